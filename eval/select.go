package eval

import (
	"fmt"
	"path"
	"strings"
)

// Failures names the ways a scenario's record failed: "at-fault collision", "goal missed", "error" (none: it
// did not fail). These are the failures `report --diff` lists as shared and `eval --failed-in` runs again.
func Failures(r *Record) []string {
	var how []string
	if r.AtFaultCollisions > 0 {
		how = append(how, "at-fault collision")
	}
	if r.GoalReached != nil && !*r.GoalReached {
		how = append(how, "goal missed")
	}
	if r.Error != "" {
		how = append(how, "error")
	}
	return how
}

// ParseMatch splits a comma-separated list of glob patterns (path.Match syntax: * ? [...], "/" matched only
// by itself) and checks each; empty entries are dropped.
func ParseMatch(list string) ([]string, error) {
	var pats []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("pattern %q: %v", p, err)
		}
		pats = append(pats, p)
	}
	if len(pats) == 0 {
		return nil, fmt.Errorf("no pattern in %q", list)
	}
	return pats, nil
}

// MatchKey reports whether a scenario key matches one of the patterns (from ParseMatch), as a whole
// ("SinD/*", "starting_left_turn/00?") or by its last element, the file name ("*US101-13_3*").
func MatchKey(key string, patterns []string) bool {
	base := path.Base(key)
	for _, p := range patterns {
		if ok, _ := path.Match(p, key); ok {
			return true
		}
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	return false
}

// SelectItems keeps the items for which keep returns true, in their order.
func SelectItems(items []Item, keep func(key string) bool) []Item {
	var out []Item
	for _, it := range items {
		if keep(it.Key) {
			out = append(out, it)
		}
	}
	return out
}

// FailedKeys returns the keys of the scenarios that failed (Failures) in the records of a finished
// evaluation. A key recorded twice (a resumed run) counts by its last record.
func FailedKeys(recs []*Record) map[string]bool {
	last := make(map[string]*Record, len(recs))
	for _, r := range recs {
		last[r.Key] = r
	}
	failed := make(map[string]bool)
	for k, r := range last {
		if len(Failures(r)) > 0 {
			failed[k] = true
		}
	}
	return failed
}
