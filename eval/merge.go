package eval

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Merge combines the outputs of finished shard runs (folders written by Run with the same planner, agents,
// options and suite) into out: run.json, results/, results.jsonl and summary.json as one process would have
// written them for the whole suite. Apart from the timing fields, the result equals a single-process run:
// wall_s is the slowest shard's (the elapsed time when shards run side by side) and wall_s_sum adds them up.
//
// Merge refuses shards of different runs, overlapping shards (the same shard twice, or shard counts that
// do not divide the suite the same way) and unfinished shards. Unless allowPartial, the shards must cover
// the whole suite.
func Merge(out string, dirs []string, allowPartial bool) (*Summary, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no shard folders")
	}
	type shard struct {
		dir  string
		man  *Manifest
		sh   Shard
		sum  *Summary
		recs []*Record
	}
	var shards []shard
	absOut, _ := filepath.Abs(out)
	for _, dir := range dirs {
		if a, _ := filepath.Abs(dir); a == absOut {
			return nil, fmt.Errorf("merge: the output folder %s is also a shard folder", out)
		}
		man, err := ReadManifest(filepath.Join(dir, ManifestFile))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("merge: %s: no %s (not an eval output folder)", dir, ManifestFile)
			}
			return nil, fmt.Errorf("merge: %w", err)
		}
		sum, err := ReadSummary(filepath.Join(dir, SummaryFile))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("merge: %s is not finished (no %s): run its eval again to resume it", dir, SummaryFile)
			}
			return nil, fmt.Errorf("merge: %w", err)
		}
		sh, err := ParseShard(man.Shard)
		if err != nil {
			return nil, fmt.Errorf("merge: %s: %w", dir, err)
		}
		recs, err := ReadResults(filepath.Join(dir, ResultsFile))
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		shards = append(shards, shard{dir, man, sh, sum, recs})
	}

	first := shards[0]
	for _, s := range shards[1:] {
		if d := s.man.mismatch(first.man, true); len(d) > 0 {
			return nil, fmt.Errorf("merge: %s and %s are different runs: %s", s.dir, first.dir, strings.Join(d, ", "))
		}
	}
	// Overlap: the same shard twice, a whole run with anything else, or different shard counts.
	for i, a := range shards {
		for _, b := range shards[:i] {
			switch {
			case a.sh.Whole() || b.sh.Whole():
				return nil, fmt.Errorf("merge: %s and %s overlap (one of them covers the whole suite)", b.dir, a.dir)
			case a.sh == b.sh:
				return nil, fmt.Errorf("merge: %s and %s are both shard %s", b.dir, a.dir, a.sh)
			case a.sh.N != b.sh.N:
				return nil, fmt.Errorf("merge: %s is shard %s but %s is shard %s: shards of different splits overlap",
					b.dir, b.sh, a.dir, a.sh)
			}
		}
	}

	total := first.man.Total
	byIndex := make([]*Record, total)
	n := 0
	merged := &Summary{MergedShards: len(shards)}
	var ran int
	for _, s := range shards {
		for _, r := range s.recs {
			if r.Index >= total || !s.sh.Has(r.Index) {
				return nil, fmt.Errorf("merge: %s: record %d (%s) does not belong to shard %s of %d scenarios",
					s.dir, r.Index, r.Key, s.sh, total)
			}
			if byIndex[r.Index] != nil {
				return nil, fmt.Errorf("merge: scenario %d (%s) appears twice", r.Index, r.Key)
			}
			byIndex[r.Index] = r
			n++
		}
		merged.WallS = max(merged.WallS, s.sum.WallS)
		merged.WallSSum += s.sum.WallS
		merged.Resumed += s.sum.Resumed
		ran += s.sum.Scenarios - s.sum.Resumed
	}
	if n < total && !allowPartial {
		msg := fmt.Sprintf("merge: the shards hold %d of %d scenarios", n, total)
		if sh := first.sh; !sh.Whole() {
			var missing []string
			for i := range sh.N {
				if !slices.ContainsFunc(shards, func(s shard) bool { return s.sh.I == i }) {
					missing = append(missing, fmt.Sprintf("%d/%d", i, sh.N))
				}
			}
			if len(missing) > 0 {
				msg += "; missing shards " + strings.Join(missing, ", ")
			}
		}
		return nil, errors.New(msg + " (use --partial to merge them anyway)")
	}
	recs := make([]*Record, 0, n)
	for _, r := range byIndex {
		if r != nil {
			recs = append(recs, r)
		}
	}

	man := *first.man
	man.Shard = ""
	if err := prepareOut(out, &man); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(out, ResultsDir)); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(out, ResultsDir), 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	for _, r := range recs {
		if err := writeRecord(recordPath(out, r.Index), r); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
	}
	s := Summarize(&man, recs)
	s.WallS, s.WallSSum, s.Resumed, s.MergedShards = merged.WallS, merged.WallSSum, merged.Resumed, merged.MergedShards
	if s.WallS > 0 {
		s.ScenariosPerS = float64(ran) / s.WallS
	}
	if err := writeOutputs(out, recs, s); err != nil {
		return nil, err
	}
	return s, nil
}
