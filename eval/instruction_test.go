package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/scenarios"
)

// instructionRunner reports instruction_followed by item: followed for ids ending in "-f", not followed for
// "-n", no checkable instruction otherwise.
func instructionRunner(_ context.Context, sc *scenarios.Scenario, _ Goal) (Outcome, error) {
	out := Outcome{Score: 0.5, Metrics: map[string]float64{"m": 1}, PlannerMS: []float64{1}}
	switch {
	case strings.HasSuffix(sc.ID, "-f"):
		out.InstructionFollowed = new(true)
	case strings.HasSuffix(sc.ID, "-n"):
		out.InstructionFollowed = new(false)
	}
	return out, nil
}

func instructionItems(ids ...string) []Item {
	items := make([]Item, len(ids))
	for i, id := range ids {
		typ := testTypes[i%2]
		items[i] = Item{Key: id, Type: typ, Source: "builtin", Load: func() (*scenarios.Scenario, Goal, error) {
			return testScenario(id, typ), nil, nil
		}}
	}
	return items
}

// instruction_followed: per record (absent when nothing was checked), the fraction over the scenarios with
// checkable instructions, per type, in the table, and the same after a merge of shards.
func TestInstructionFollowedAggregation(t *testing.T) {
	base := t.TempDir()
	ids := []string{"a-f", "b-n", "c-f", "d", "e-f"} // types alternate: a, c, e | b, d
	single := filepath.Join(base, "single")
	s := mustRun(t, testConfig(single, instructionItems(ids...), 2), instructionRunner)
	if s.InstructionFollowed == nil || math.Abs(*s.InstructionFollowed-0.75) > 1e-12 || s.InstructionScenarios != 4 {
		t.Fatalf("instruction_followed %v over %d, want 0.75 over 4", s.InstructionFollowed, s.InstructionScenarios)
	}
	if f := s.ByType[testTypes[0]].InstructionFollowed; f == nil || *f != 1 {
		t.Errorf("%s: instruction_followed %v, want 1 (3 of 3)", testTypes[0], f)
	}
	if f := s.ByType[testTypes[1]].InstructionFollowed; f == nil || *f != 0 {
		t.Errorf("%s: instruction_followed %v, want 0 (0 of 1, one unchecked)", testTypes[1], f)
	}
	lines := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(single, ResultsFile)))), "\n")
	for i, line := range lines {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatal(err)
		}
		got, has := raw["instruction_followed"]
		want := map[byte]string{'f': "true", 'n': "false"}[ids[i][len(ids[i])-1]]
		if (want == "") == has || has && string(got) != want {
			t.Errorf("record %s: instruction_followed %q (present %v), want %q", ids[i], got, has, want)
		}
	}
	var table bytes.Buffer
	if err := WriteTable(&table, s, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"followed", "100.0%", "0.0%", "75.0%", "instructions followed in 75.00% of the 4 completed with instructions"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}

	var shards []string
	for i := range 2 {
		dir := filepath.Join(base, "shard", string(rune('0'+i)))
		cfg := testConfig(dir, instructionItems(ids...), 1)
		cfg.Shard = Shard{I: i, N: 2}
		mustRun(t, cfg, instructionRunner)
		shards = append(shards, dir)
	}
	m, err := Merge(filepath.Join(base, "merged"), shards, false)
	if err != nil {
		t.Fatal(err)
	}
	if m.InstructionFollowed == nil || *m.InstructionFollowed != *s.InstructionFollowed || m.InstructionScenarios != 4 {
		t.Errorf("merged instruction_followed %v over %d, want 0.75 over 4", m.InstructionFollowed, m.InstructionScenarios)
	}
}

// Without instructions to check the summary says null and the table has no followed column.
func TestInstructionFollowedAbsent(t *testing.T) {
	s := mustRun(t, testConfig(t.TempDir(), instructionItems("a", "b"), 1), instructionRunner)
	if s.InstructionFollowed != nil || s.InstructionScenarios != 0 {
		t.Errorf("instruction_followed %v over %d, want null over 0", s.InstructionFollowed, s.InstructionScenarios)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, s, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), "followed") {
		t.Errorf("table has a followed column without instructions:\n%s", table.String())
	}
}

func TestDecodeRecordRejectsInstructionOnFailure(t *testing.T) {
	rec := `{"index":0,"key":"a","id":"a","type":"t","source":"s","score":0,"goal_reached":null,"at_fault_collisions":0,"instruction_followed":true,"error":"x"}`
	if _, err := DecodeRecord([]byte(rec)); err == nil || !strings.Contains(err.Error(), "a failed record") {
		t.Errorf("DecodeRecord(%s) = %v, want a failed-record error", rec, err)
	}
}
