package eval

import (
	"cmp"
	"slices"
)

// UnknownType is the by_type key of scenarios whose type is unknown because their file did not load.
const UnknownType = "unknown"

// TypeScore is one row of the per-type table (and of the per-flag one).
type TypeScore struct {
	N      int     `json:"n"`      // scenarios of this type
	Failed int     `json:"failed"` // of which failed
	Score  float64 `json:"score"`  // mean CLS x100 over the N scenarios, failed ones counting 0
	// InstructionFollowed is the fraction of the type's completed scenarios with checkable instructions
	// whose instructions the ego followed; absent when there are none.
	InstructionFollowed *float64 `json:"instruction_followed,omitempty"`
	// GoalReached is the fraction of the type's GoalScenarios whose goal was met (as Summary.GoalReached);
	// absent when the type has none.
	GoalReached   *float64 `json:"goal_reached,omitempty"`
	GoalScenarios int      `json:"goal_scenarios,omitempty"`
	// GoalReachedOfReachable is the fraction of the type's GoalReachable scenarios (goal scenarios whose goal
	// is not known to be unreachable) whose goal was met; absent when the type has none.
	GoalReachedOfReachable *float64 `json:"goal_reached_of_reachable,omitempty"`
	GoalReachable          int      `json:"goal_reachable,omitempty"`
	// Collisions is the fraction of the type's scenarios that ran with an at-fault collision.
	Collisions float64 `json:"collisions"`
	// CollisionsOfAvoidable is that fraction over the type's CollisionAvoidable scenarios: those that ran
	// without a collision the scenario itself causes (Record.CollisionUnavoidable).
	CollisionsOfAvoidable float64 `json:"collisions_of_avoidable"`
	CollisionAvoidable    int     `json:"collision_avoidable"`
}

// ErrorLine names a failed scenario in the summary.
type ErrorLine struct {
	Index int    `json:"index"`
	Key   string `json:"key"`
	Error string `json:"error"`
}

// Summary is summary.json. Every field but the timing ones (WallS, WallSSum, Resumed, ScenariosPerS,
// MergedShards) is a pure function of the manifest and the records, computed in suite order, so it does
// not depend on workers, resumes or sharding. The planner_ms fields are measured runtimes and so vary from
// run to run, but for given records they are exact (percentiles come from the merged histogram).
type Summary struct {
	Format    int               `json:"format"`
	Planner   string            `json:"planner"`
	Agents    string            `json:"agents"`
	Source    string            `json:"source"` // "builtin" or the scenario folder
	Options   map[string]string `json:"options,omitempty"`
	Suite     string            `json:"suite"`
	Total     int               `json:"total"`           // scenarios in the whole suite
	Shard     string            `json:"shard,omitempty"` // "I/N" for one shard's output
	Scenarios int               `json:"scenarios"`       // scenarios in this output
	Failed    int               `json:"failed"`
	// Score is the mean CLS x100 over all Scenarios, failed ones counting 0; ScoreCompleted is the mean over
	// the scenarios that ran (0 if none did).
	Score          float64              `json:"score"`
	ScoreCompleted float64              `json:"score_completed"`
	ByType         map[string]TypeScore `json:"by_type"`
	// Metrics holds each nuPlan metric's mean over the scenarios that ran.
	Metrics map[string]float64 `json:"metrics"`
	// GoalReached is the fraction of the GoalScenarios (scenarios that ran and have a goal description)
	// whose goal was met inside its time interval; nil when there are none.
	GoalReached   *float64 `json:"goal_reached"`
	GoalScenarios int      `json:"goal_scenarios"`
	// GoalReachedOfReachable is the fraction of the GoalReachable scenarios (goal scenarios without
	// Record.GoalUnreachable) whose goal was met; nil when there are none.
	GoalReachedOfReachable *float64 `json:"goal_reached_of_reachable"`
	GoalReachable          int      `json:"goal_reachable"`
	// GoalMisses counts the missed goals by how they were missed (Record.GoalMiss's reason; "unexplained"
	// for a missed goal without one); absent when no goal was missed.
	GoalMisses map[string]int `json:"goal_misses,omitempty"`
	// ComfortViolations counts the scenarios that ran uncomfortable by the comfort quantity outside its
	// bound (Record.Uncomfortable; a run can break several); absent when every run was comfortable.
	ComfortViolations map[string]int `json:"comfort_violations,omitempty"`
	// InstructionFollowed is the fraction of the InstructionScenarios (scenarios that ran and have
	// instructions that can be checked) whose instructions the ego followed; nil when there are none.
	InstructionFollowed  *float64 `json:"instruction_followed"`
	InstructionScenarios int      `json:"instruction_scenarios"`
	// Collisions is the fraction of the scenarios that ran with at least one at-fault collision (0 if none
	// ran).
	Collisions float64 `json:"collisions"`
	// CollisionsOfAvoidable is that fraction over the CollisionAvoidable scenarios: those that ran without
	// a collision the scenario itself causes (Record.CollisionUnavoidable; 0 if none).
	CollisionsOfAvoidable float64 `json:"collisions_of_avoidable"`
	CollisionAvoidable    int     `json:"collision_avoidable"`
	// LeftMap counts the scenarios that ran whose ego drove off the map through the open end of a lane
	// (Record.LeftMapS), ending its scored run there.
	LeftMap int `json:"left_map"`
	// ByFlag is the per-type table's row for the scenarios carrying each import flag (Record.Flags: a
	// scenario counts under every flag it has), so that a data caveat's weight in the score shows; absent
	// when no scenario has one.
	ByFlag        map[string]TypeScore `json:"by_flag,omitempty"`
	PlannerCalls  uint64               `json:"planner_calls"`
	PlannerMSMean float64              `json:"planner_ms_mean"`
	PlannerMSP50  float64              `json:"planner_ms_p50"`
	PlannerMSP99  float64              `json:"planner_ms_p99"`
	PlannerMSMax  float64              `json:"planner_ms_max"`
	// Guide summarises the language-model guide's work, when the run was guided (see GuideSummary).
	Guide  *GuideSummary `json:"guide,omitempty"`
	Errors []ErrorLine   `json:"errors,omitempty"`

	// Timing and history of the run that wrote this file.
	WallS         float64 `json:"wall_s"`                  // this invocation's elapsed time; a merge: the slowest shard's
	WallSSum      float64 `json:"wall_s_sum,omitempty"`    // a merge: the shards' wall_s added up
	Resumed       int     `json:"resumed,omitempty"`       // scenarios finished by an earlier invocation
	ScenariosPerS float64 `json:"scenarios_per_s"`         // scenarios run by this invocation / wall_s
	MergedShards  int     `json:"merged_shards,omitempty"` // a merge: how many shard folders
}

// GuideSummary is the guide's work over a run: model calls and failures, the interval and latency it ran
// with (from the run's options), and the inference time percentiles (from the merged histogram).
type GuideSummary struct {
	Calls     int     `json:"calls"`
	Errors    int     `json:"errors"`
	Interval  string  `json:"interval"`   // ticks between calls (options["guide_interval"])
	LatencyMS string  `json:"latency_ms"` // simulated latency (options["guide_latency_ms"])
	Model     string  `json:"model"`      // options["guide"]
	InferMean float64 `json:"infer_ms_mean"`
	InferP50  float64 `json:"infer_ms_p50"`
	InferP99  float64 `json:"infer_ms_p99"`
	InferMax  float64 `json:"infer_ms_max"`
}

// Summarize aggregates records (in suite order) into a summary. Timing fields are left zero.
func Summarize(man *Manifest, recs []*Record) *Summary {
	s := &Summary{
		Format: FormatVersion, Planner: man.Planner, Agents: man.Agents, Source: man.Scenarios,
		Options: man.Options, Suite: man.Suite, Total: man.Total, Shard: man.Shard, Scenarios: len(recs),
		ByType: map[string]TypeScore{}, Metrics: map[string]float64{},
	}
	var all, completed acc
	metrics := map[string]*acc{}
	var hist, ghist Histogram
	gTotal := 0.0
	var totalMS float64
	var reached, collided int
	var followed acc
	var reachable, avoidable acc
	types, flags := map[string]*group{}, map[string]*group{}
	for _, r := range recs {
		typ := r.Type
		if typ == "" {
			typ = UnknownType
		}
		entry(types, typ).add(r)
		for _, f := range r.Flags {
			entry(flags, f).add(r)
		}
		all.n++
		if r.Failed() {
			s.Failed++
			s.Errors = append(s.Errors, ErrorLine{Index: r.Index, Key: r.Key, Error: r.Error})
			continue
		}
		all.sum += r.Score
		completed.sum += r.Score
		completed.n++
		if r.GoalReached != nil {
			s.GoalScenarios++
			if r.GoalUnreachable == "" {
				reachable.count(*r.GoalReached)
			}
			if *r.GoalReached {
				reached++
			} else {
				reason := "unexplained"
				if r.GoalMiss != nil {
					reason = r.GoalMiss.Reason
				}
				if s.GoalMisses == nil {
					s.GoalMisses = map[string]int{}
				}
				s.GoalMisses[reason]++
			}
		}
		for name := range r.Uncomfortable {
			if s.ComfortViolations == nil {
				s.ComfortViolations = map[string]int{}
			}
			s.ComfortViolations[name]++
		}
		if r.AtFaultCollisions > 0 {
			collided++
		}
		if r.CollisionUnavoidable == "" {
			avoidable.count(r.AtFaultCollisions > 0)
		}
		if r.LeftMapS != nil {
			s.LeftMap++
		}
		if f := r.InstructionFollowed; f != nil {
			followed.count(*f)
		}
		for _, name := range sortedKeys(r.Metrics) {
			m := entry(metrics, name)
			m.sum += r.Metrics[name]
			m.n++
		}
		if p := r.Planner; p != nil {
			hist.Merge(&p.Hist)
			totalMS += p.TotalMS
			s.PlannerMSMax = max(s.PlannerMSMax, p.MaxMS)
		}
		if g := r.Guide; g != nil {
			if s.Guide == nil {
				s.Guide = &GuideSummary{Interval: man.Options["guide_interval"], LatencyMS: man.Options["guide_latency_ms"], Model: man.Options["guide"]}
			}
			s.Guide.Calls += g.Calls
			s.Guide.Errors += g.Errors
			if g.Infer != nil {
				ghist.Merge(&g.Infer.Hist)
				gTotal += g.Infer.TotalMS
				s.Guide.InferMax = max(s.Guide.InferMax, g.Infer.MaxMS)
			}
		}
	}
	if s.Guide != nil {
		if n := ghist.Count(); n > 0 {
			s.Guide.InferMean = gTotal / float64(n)
		}
		s.Guide.InferP50 = ghist.Quantile(0.50)
		s.Guide.InferP99 = ghist.Quantile(0.99)
	}
	mean100 := func(a acc) float64 {
		if a.n == 0 {
			return 0
		}
		return 100 * a.sum / float64(a.n)
	}
	s.Score = mean100(all)
	s.ScoreCompleted = mean100(completed)
	if s.GoalScenarios > 0 {
		f := float64(reached) / float64(s.GoalScenarios)
		s.GoalReached = &f
	}
	s.GoalReachedOfReachable, s.GoalReachable = reachable.fraction(), reachable.n
	if completed.n > 0 {
		s.Collisions = float64(collided) / float64(completed.n)
	}
	s.CollisionsOfAvoidable, s.CollisionAvoidable = avoidable.mean(), avoidable.n
	s.InstructionFollowed, s.InstructionScenarios = followed.fraction(), followed.n
	for typ, g := range types {
		s.ByType[typ] = g.row()
	}
	for f, g := range flags {
		if s.ByFlag == nil {
			s.ByFlag = map[string]TypeScore{}
		}
		s.ByFlag[f] = g.row()
	}
	for name, a := range metrics {
		s.Metrics[name] = a.sum / float64(a.n)
	}
	s.PlannerCalls = hist.Count()
	if s.PlannerCalls > 0 {
		s.PlannerMSMean = totalMS / float64(s.PlannerCalls)
	}
	s.PlannerMSP50 = hist.Quantile(0.50)
	s.PlannerMSP99 = hist.Quantile(0.99)
	return s
}

// group accumulates one row of the per-type (or per-flag) table.
type group struct {
	n, failed, collided      int
	score                    acc // over all n, failed ones counting 0
	goals, reachable, follow acc
	avoidable                acc // collided, over the runs without a collision the scenario causes
}

// add counts record r in the group.
func (g *group) add(r *Record) {
	g.n++
	g.score.n++
	if r.Failed() {
		g.failed++
		return
	}
	g.score.sum += r.Score
	if r.GoalReached != nil {
		g.goals.count(*r.GoalReached)
		if r.GoalUnreachable == "" {
			g.reachable.count(*r.GoalReached)
		}
	}
	if r.AtFaultCollisions > 0 {
		g.collided++
	}
	if r.CollisionUnavoidable == "" {
		g.avoidable.count(r.AtFaultCollisions > 0)
	}
	if f := r.InstructionFollowed; f != nil {
		g.follow.count(*f)
	}
}

// row returns the group's table row.
func (g *group) row() TypeScore {
	ts := TypeScore{N: g.n, Failed: g.failed, Score: 100 * g.score.sum / float64(max(g.score.n, 1))}
	if ran := g.n - g.failed; ran > 0 {
		ts.Collisions = float64(g.collided) / float64(ran)
	}
	ts.CollisionsOfAvoidable, ts.CollisionAvoidable = g.avoidable.mean(), g.avoidable.n
	if g.goals.n > 0 {
		ts.GoalReached, ts.GoalScenarios = g.goals.fraction(), g.goals.n
	}
	if g.reachable.n > 0 {
		ts.GoalReachedOfReachable, ts.GoalReachable = g.reachable.fraction(), g.reachable.n
	}
	ts.InstructionFollowed = g.follow.fraction()
	return ts
}

// entry returns m[key], making a zero value there on first use.
func entry[T any](m map[string]*T, key string) *T {
	v := m[key]
	if v == nil {
		v = new(T)
		m[key] = v
	}
	return v
}

// acc sums values (or counts successes) over n records.
type acc struct {
	sum float64
	n   int
}

// count adds one record, a success when ok.
func (a *acc) count(ok bool) {
	a.n++
	if ok {
		a.sum++
	}
}

// mean is sum / n, 0 when there is no record.
func (a *acc) mean() float64 {
	if a.n == 0 {
		return 0
	}
	return a.sum / float64(a.n)
}

// fraction is sum / n, nil when there is no record.
func (a *acc) fraction() *float64 {
	if a.n == 0 {
		return nil
	}
	f := a.sum / float64(a.n)
	return &f
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	return keys
}
