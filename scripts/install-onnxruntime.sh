#!/usr/bin/env bash
# Installs the ONNX Runtime 1.24 C library that github.com/yalue/onnxruntime_go v1.27.0 loads, from the npm
# package onnxruntime-node@1.24.3 (the npm registry is reachable where PyPI and GitHub releases are not), into
# DEST/libonnxruntime.so.1 (default third_party/onnxruntime), checking its SHA-256. Idempotent: a library
# already in place with the right checksum is kept. The npm tarball is cached in ${XDG_CACHE_HOME:-~/.cache}.
set -euo pipefail

dest=${1:-third_party/onnxruntime}
version=1.24.3
member=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
want=92ba8e44d31b80a34f5e805076a044122c3be1fffe0d88ed790de7267b0b2682
lib=$dest/libonnxruntime.so.1

if [ -f "$lib" ] && echo "$want  $lib" | sha256sum -c --status; then
	exit 0
fi
case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*) echo "install-onnxruntime: only linux/x86_64 is packaged here; set ONNXRUNTIME_LIB to your ONNX Runtime 1.24 library" >&2; exit 1 ;;
esac
if ! command -v npm >/dev/null; then
	echo "install-onnxruntime: npm not found (Debian: apt-get install npm); it fetches onnxruntime-node@$version" >&2
	exit 1
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/asyncdrive
mkdir -p "$cache" "$dest"
tgz=$cache/onnxruntime-node-$version.tgz
if [ ! -f "$tgz" ]; then
	echo "fetching onnxruntime-node@$version from the npm registry"
	(cd "$cache" && npm pack --silent "onnxruntime-node@$version" >/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" "$member"
if ! echo "$want  $tmp/$member" | sha256sum -c --status; then
	echo "install-onnxruntime: checksum mismatch for $member of onnxruntime-node@$version" >&2
	rm -f "$tgz"
	exit 1
fi
mv "$tmp/$member" "$lib"
echo "installed ONNX Runtime $version at $lib"
