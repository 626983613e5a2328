// Package fuzzbytes turns a fuzzer's bytes into the values a structured fuzz target needs: numbers that are
// mostly plausible and sometimes NaN, infinite or extreme, small integers and booleans. It is for _test.go
// files only.
package fuzzbytes
