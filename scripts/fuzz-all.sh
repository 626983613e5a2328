#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 10s); `make fuzz` calls it.
#
# A target fails when the fuzzer writes a failing input under its package's testdata/fuzz/ (the input that
# reproduces it: `go test -run 'FuzzX/<file>' ./pkg`) or fails without saying "context deadline exceeded".
# Go 1.26's fuzz coordinator can end a clean run at its -fuzztime with a bare "context deadline exceeded" and
# no input (golang/go#75804, fixed in Go 1.27): that is counted as a flake, said at the end, and does not fail
# the run.
set -uo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
failed=()
flaked=()
for pkg in $("$GO" list ./...); do
	dir=$("$GO" list -f '{{.Dir}}' "$pkg")
	for f in $("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "=== $pkg $f ($FUZZTIME)"
		before=$(ls "$dir/testdata/fuzz/$f" 2>/dev/null || true)
		log=$(mktemp)
		if ! CGO_ENABLED=0 "$GO" test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 5s "$pkg" 2>&1 | tee "$log"; then
			after=$(ls "$dir/testdata/fuzz/$f" 2>/dev/null || true)
			if [ "$before" = "$after" ] && grep -q 'context deadline exceeded' "$log"; then
				flaked+=("$pkg $f")
			else
				failed+=("$pkg $f")
			fi
		fi
		rm -f "$log"
	done
done
for x in "${flaked[@]}"; do
	echo "flake (golang/go#75804, no failing input): $x"
done
if [ ${#failed[@]} -gt 0 ]; then
	for x in "${failed[@]}"; do
		echo "FAILED: $x (its input is under testdata/fuzz/)"
	done
	exit 1
fi
echo "every fuzz target passed"
