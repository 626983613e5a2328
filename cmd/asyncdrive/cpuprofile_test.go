package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eval --cpuprofile writes a pprof profile (gzip-compressed protobuf) of the run; a path that cannot be
// created is an error before anything runs.
func TestEvalCPUProfile(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.pprof")
	code, stdout, stderr := asyncdrive(t, "eval", "--planner", "pdm", "--per-type", "1", "--types", "stopping_with_lead",
		"--out", filepath.Join(dir, "out"), "--cpuprofile", prof)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("profile is not gzip-compressed: %v", err)
	}
	if raw, err := io.ReadAll(zr); err != nil || len(raw) < 100 {
		t.Fatalf("profile: %d bytes, %v", len(raw), err)
	}

	code, _, stderr = asyncdrive(t, "eval", "--planner", "pdm", "--per-type", "1", "--types", "stopping_with_lead",
		"--out", filepath.Join(dir, "out2"), "--cpuprofile", filepath.Join(dir, "missing", "cpu.pprof"))
	if code != exitError || !strings.Contains(stderr, "--cpuprofile") {
		t.Fatalf("unwritable profile path: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2", "results.jsonl")); err == nil {
		t.Errorf("the evaluation ran although its profile could not be written")
	}
}
