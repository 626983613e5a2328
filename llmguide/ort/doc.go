// Package ort runs guide models (package llmguide's contract) with ONNX Runtime through
// github.com/yalue/onnxruntime_go, on the CPU or, when asked, with the CUDA execution provider.
//
// The ONNX Runtime 1.24 C library is loaded at run time from ONNXRUNTIME_LIB, or from LibraryPath's default
// (third_party/onnxruntime/libonnxruntime.so.1 under the repository, where `make deps` installs it with
// scripts/install-onnxruntime.sh). The binding needs cgo; a build without cgo returns ErrNoCGO.
package ort
