package eval

import (
	"slices"
	"testing"
)

func TestMatchKey(t *testing.T) {
	pats, err := ParseMatch("SinD/*, *US101-13_3*,starting_left_turn/00?")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{
		"SinD/CHN_SIND-834_1654_T-1729.cr.xml.gz": true,
		"NGSIM/USA_US101-13_3_T-1.xml.gz":         true, // by its file name
		"starting_left_turn/007":                  true,
		"starting_left_turn/017":                  false,
		"highD/DEU_LocationALower36-1_361579.xml": false,
		"data/SinD/x.xml":                         false, // "SinD/*" is matched against the whole key
	} {
		if got := MatchKey(key, pats); got != want {
			t.Errorf("MatchKey(%q) = %v, want %v", key, got, want)
		}
	}
	if _, err := ParseMatch("ok,[x"); err == nil {
		t.Error("ParseMatch accepted a malformed pattern")
	}
}

func TestFailedKeysAndFailures(t *testing.T) {
	no, yes := false, true
	recs := []*Record{
		{Key: "a", AtFaultCollisions: 1},
		{Key: "b", GoalReached: &no},
		{Key: "c", GoalReached: &yes},
		{Key: "d", Error: "boom"},
		{Key: "e"},
		{Key: "f", AtFaultCollisions: 2}, {Key: "f"}, // resumed: the last record counts
	}
	var got []string
	for k := range FailedKeys(recs) {
		got = append(got, k)
	}
	slices.Sort(got)
	if want := []string{"a", "b", "d"}; !slices.Equal(got, want) {
		t.Errorf("FailedKeys = %v, want %v", got, want)
	}
	if f := Failures(&Record{AtFaultCollisions: 1, GoalReached: &no}); !slices.Equal(f, []string{"at-fault collision", "goal missed"}) {
		t.Errorf("Failures = %v", f)
	}
}
