package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"asyncdrive/scenarios/commonroad"
)

// Outcome is what a Runner reports for one scenario.
type Outcome struct {
	// Metrics maps nuPlan metric names to their values for this scenario.
	Metrics map[string]float64
	// Score is the scenario's closed-loop score (CLS) in [0, 1].
	Score float64
	// PlannerMS holds the runtime of each planner call, in milliseconds, in call order.
	PlannerMS []float64
	// GoalReached says whether the ego met the scenario's goal inside its time interval; nil when the
	// scenario has no goal description (the Runner's goal argument was nil).
	GoalReached *bool
	// GoalMiss says how a run that missed its goal missed it, when the goal can say (a GoalMisser); it is
	// recorded only with GoalReached false.
	GoalMiss *commonroad.Miss
	// AtFaultCollisions counts the ego's at-fault collisions.
	AtFaultCollisions int
	// CollisionUnavoidable says why the run's first at-fault collision is the scenario's, not the planner's
	// (sim.UnavoidableCollision: an ego braking hard from the start meets the same road user still moving);
	// empty when braking could have avoided it, or there is none.
	CollisionUnavoidable string
	// Uncomfortable maps each comfort quantity of the run outside nuPlan's bound (lon_accel, lat_accel,
	// jerk, lon_jerk, yaw_rate, yaw_accel) to the run's extreme value of it; empty for a comfortable run.
	Uncomfortable map[string]float64
	// InstructionFollowed says whether the ego followed the scenario's routing or operator instructions;
	// nil when the scenario has none that can be checked.
	InstructionFollowed *bool
	// Guide reports the language-model guide's work in this scenario; nil when it ran unguided.
	Guide *GuideOutcome
	// LeftMapS is the run time (s) at which the ego drove off the map through the open end of its lane,
	// where a recorded map was cut, inside the scored horizon; the metrics cover the run up to then. nil
	// when it did not.
	LeftMapS *float64
}

// GuideOutcome is the guide's work in one scenario.
type GuideOutcome struct {
	Calls   int       // model runs
	Errors  int       // failed runs
	InferMS []float64 // wall-clock inference time of each run, ms
}

// check validates an outcome before it is recorded: every number finite, the score in [0, 1] (a rounding
// excess of 1e-9 is clamped), runtimes >= 0.
func (o *Outcome) check() error {
	if math.IsNaN(o.Score) || o.Score < -1e-9 || o.Score > 1+1e-9 {
		return fmt.Errorf("runner returned score %v, want a number in [0, 1]", o.Score)
	}
	o.Score = min(1, max(0, o.Score))
	if o.AtFaultCollisions < 0 {
		return fmt.Errorf("runner returned %d at-fault collisions, want a count >= 0", o.AtFaultCollisions)
	}
	for name, v := range o.Metrics {
		if name == "" {
			return errors.New("runner returned a metric without a name")
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("runner returned metric %s = %v, want a finite number", name, v)
		}
	}
	for name, v := range o.Uncomfortable {
		if name == "" || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("runner returned comfort violation %q = %v, want a named finite number", name, v)
		}
	}
	if l := o.LeftMapS; l != nil && (math.IsNaN(*l) || math.IsInf(*l, 0) || *l < 0) {
		return fmt.Errorf("runner returned left-map time %v s, want a finite number >= 0", *l)
	}
	if g := o.Guide; g != nil {
		if g.Calls < 0 || g.Errors < 0 || g.Errors > g.Calls {
			return fmt.Errorf("runner returned %d guide calls with %d errors", g.Calls, g.Errors)
		}
		for _, ms := range g.InferMS {
			if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 {
				return fmt.Errorf("runner returned guide inference time %v ms, want a finite number >= 0", ms)
			}
		}
	}
	for i, ms := range o.PlannerMS {
		if math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 {
			return fmt.Errorf("runner returned planner runtime %v ms for call %d, want a finite number >= 0", ms, i)
		}
	}
	return nil
}

// Record is the result for one scenario: one line of results.jsonl and one file under results/. Apart from
// Planner (runtime statistics) nothing in it depends on timing, so for a deterministic simulator records are
// byte-identical across runs, worker counts and shards.
type Record struct {
	Index  int    `json:"index"`  // position in the whole suite (before sharding)
	Key    string `json:"key"`    // the item's key: file path relative to the scenario folder, or "type/NNN"
	ID     string `json:"id"`     // scenario id (from the file; the key without extension when it did not load)
	Type   string `json:"type"`   // scenario type ("" when the file did not load)
	Source string `json:"source"` // the file path, or "builtin"
	// Score is the scenario's closed-loop score in [0, 1] (nuPlan's per-scenario CLS; summaries report x100).
	// It is 0 for a failed scenario.
	Score   float64            `json:"score"`
	Metrics map[string]float64 `json:"metrics,omitempty"` // nuPlan metric name -> value; absent if failed
	Planner *Runtime           `json:"planner,omitempty"` // planner runtime statistics; absent if failed
	// GoalReached says whether the goal was met inside its time interval: null when the scenario has no goal
	// description (generated scenarios, scenario files) or failed.
	GoalReached *bool `json:"goal_reached"`
	// GoalMiss says how a missed goal was missed; absent when the goal was met, or the scenario has none or
	// failed.
	GoalMiss *GoalMiss `json:"goal_miss,omitempty"`
	// GoalUnreachable says why no driver could meet the goal (commonroad.Goal.Unreachable: not even on an
	// empty road within the posted limits and a car's acceleration); absent when one could, the test cannot
	// tell, or the scenario has no goal or failed.
	GoalUnreachable string `json:"goal_unreachable,omitempty"`
	// AtFaultCollisions counts the ego's at-fault collisions (0 if failed).
	AtFaultCollisions int `json:"at_fault_collisions"`
	// CollisionUnavoidable says why the first at-fault collision is the scenario's (Outcome.CollisionUnavoidable);
	// absent when braking could have avoided it, or there is none.
	CollisionUnavoidable string `json:"collision_unavoidable,omitempty"`
	// Uncomfortable says why ego_is_comfortable failed: each comfort quantity outside nuPlan's bound
	// (lon_accel, lat_accel, jerk, lon_jerk, yaw_rate, yaw_accel) with the run's extreme value of it (m/s^2,
	// m/s^3, rad/s, rad/s^2; rounded to 1e-3). Absent for a comfortable run, or a failed one.
	Uncomfortable map[string]float64 `json:"uncomfortable,omitempty"`
	// InstructionFollowed says whether the ego followed the scenario's instructions (a junction movement, a
	// stop, a lane change, a slow-down); absent when it has none that can be checked, or failed.
	InstructionFollowed *bool `json:"instruction_followed,omitempty"`
	// Guide is the guide's work (calls, errors, inference runtimes); absent when unguided or failed.
	Guide *GuideRecord `json:"guide,omitempty"`
	// LeftMapS is the time (s) at which the ego drove off the map through the open end of its lane, where
	// the recorded map was cut, inside the scored horizon; the metrics cover the run up to then. Absent
	// when it stayed on the map.
	LeftMapS *float64 `json:"left_map_s,omitempty"`
	// Flags are the scenario's import flags (scenarios.Scenario.Flags: "short_expert", "start_overlap", ...);
	// absent when it has none or did not load.
	Flags []string `json:"flags,omitempty"`
	Error string   `json:"error,omitempty"` // why the scenario failed; "" if it ran
}

// GoalMiss classifies a missed goal: Reason is one of the commonroad.Miss reasons ("heading", "speed",
// "heading_and_speed", "late", "early", "never_in_region") and By how far off the nearest sample was, in
// the reason's unit (rad; m/s; s; m), absent when it cannot be measured (a goal without a region).
type GoalMiss struct {
	Reason string   `json:"reason"`
	By     *float64 `json:"by,omitempty"`
}

// GuideRecord is the guide's work in one scenario.
type GuideRecord struct {
	Calls  int      `json:"calls"`
	Errors int      `json:"errors"`
	Infer  *Runtime `json:"infer"` // inference runtimes (Calls counts the runs)
}

// Failed reports whether the scenario failed (bad file, generator or simulator error, panic).
func (r *Record) Failed() bool { return r.Error != "" }

// Runtime summarises the planner's per-call runtimes in one scenario. Mean, p50, p99 and max are exact for
// this scenario; Hist is kept for exact merging into suite-wide percentiles.
type Runtime struct {
	Calls   int       `json:"calls"`
	TotalMS float64   `json:"total_ms"`
	MeanMS  float64   `json:"mean_ms"`
	P50MS   float64   `json:"p50_ms"`
	P99MS   float64   `json:"p99_ms"`
	MaxMS   float64   `json:"max_ms"`
	Hist    Histogram `json:"hist"`
}

// newRuntime computes the statistics of per-call runtimes (ms). Percentiles are nearest-rank on the exact
// values.
func newRuntime(ms []float64) *Runtime {
	rt := &Runtime{Calls: len(ms)}
	if len(ms) == 0 {
		rt.Hist.buckets = nil
		return rt
	}
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	for _, v := range ms {
		rt.TotalMS += v
		rt.Hist.Add(v)
	}
	rt.MeanMS = rt.TotalMS / float64(len(ms))
	rt.P50MS = nearestRank(sorted, 0.50)
	rt.P99MS = nearestRank(sorted, 0.99)
	rt.MaxMS = sorted[len(sorted)-1]
	return rt
}

func nearestRank(sorted []float64, q float64) float64 {
	r := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(1, min(r, len(sorted)))-1]
}

// encodeRecord gives the record's canonical JSON line (no trailing newline).
func encodeRecord(r *Record) ([]byte, error) {
	return json.Marshal(r)
}

// DecodeRecord parses and checks one record (a line of results.jsonl or a file under results/).
func DecodeRecord(data []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if dec.More() {
		return nil, errors.New("record: trailing data after the JSON object")
	}
	switch {
	case r.Index < 0:
		return nil, fmt.Errorf("record: index %d < 0", r.Index)
	case r.Key == "":
		return nil, fmt.Errorf("record %d: missing key", r.Index)
	case r.Score < 0 || r.Score > 1:
		return nil, fmt.Errorf("record %d (%s): score %v outside [0, 1]", r.Index, r.Key, r.Score)
	case r.AtFaultCollisions < 0:
		return nil, fmt.Errorf("record %d (%s): at_fault_collisions %d < 0", r.Index, r.Key, r.AtFaultCollisions)
	case r.Failed() && (r.Score != 0 || r.Metrics != nil || r.Planner != nil || r.GoalReached != nil || r.GoalMiss != nil || r.GoalUnreachable != "" || r.InstructionFollowed != nil || r.AtFaultCollisions != 0 || r.Uncomfortable != nil):
		return nil, fmt.Errorf("record %d (%s): a failed record has score 0, no metrics, runtimes or goal, and no collisions", r.Index, r.Key)
	case !r.Failed() && r.Planner == nil:
		return nil, fmt.Errorf("record %d (%s): missing planner runtimes", r.Index, r.Key)
	case r.GoalMiss != nil && (r.GoalReached == nil || *r.GoalReached || r.GoalMiss.Reason == ""):
		return nil, fmt.Errorf("record %d (%s): goal_miss without a missed goal, or without a reason", r.Index, r.Key)
	case r.GoalUnreachable != "" && r.GoalReached == nil:
		return nil, fmt.Errorf("record %d (%s): goal_unreachable without a goal", r.Index, r.Key)
	case r.CollisionUnavoidable != "" && r.AtFaultCollisions == 0:
		return nil, fmt.Errorf("record %d (%s): collision_unavoidable without an at-fault collision", r.Index, r.Key)
	}
	for name, v := range r.Uncomfortable {
		if name == "" || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("record %d (%s): uncomfortable %q = %v, want a named finite number", r.Index, r.Key, name, v)
		}
	}
	if p := r.Planner; p != nil {
		if p.Calls < 0 || uint64(p.Calls) != p.Hist.Count() {
			return nil, fmt.Errorf("record %d (%s): planner.calls %d but the histogram holds %d values",
				r.Index, r.Key, p.Calls, p.Hist.Count())
		}
		if p.TotalMS < 0 || p.MeanMS < 0 || p.P50MS < 0 || p.P99MS < 0 || p.MaxMS < 0 {
			return nil, fmt.Errorf("record %d (%s): negative planner runtime", r.Index, r.Key)
		}
	}
	return &r, nil
}
