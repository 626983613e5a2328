// Package benchlat reports latency percentiles from benchmarks, so that every benchmark of the project gives
// p50 and p99 besides Go's mean ns/op in the same way. It is for _test.go files only.
package benchlat
