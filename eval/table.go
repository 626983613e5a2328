package eval

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteTable prints a summary as nuPlan-style tables: one row per scenario type with its count and score
// (CLS x100), the overall row, then each metric's mean (in the order of metricNames, then any others
// alphabetically), the planner's runtime and the failures.
func WriteTable(w io.Writer, s *Summary, metricNames []string) error {
	var b strings.Builder
	what := fmt.Sprintf("%d scenarios", s.Scenarios)
	if s.Shard != "" {
		what += fmt.Sprintf(" (shard %s of %d)", s.Shard, s.Total)
	} else if s.Scenarios < s.Total {
		what += fmt.Sprintf(" (of %d)", s.Total)
	}
	fmt.Fprintf(&b, "planner %s, agents %s, %s from %s, %d failed\n\n", s.Planner, s.Agents, what, s.Source, s.Failed)

	types := sortedKeys(s.ByType)
	if i := slices.Index(types, UnknownType); i >= 0 {
		types = append(slices.Delete(types, i, i+1), UnknownType)
	}
	flags := sortedKeys(s.ByFlag)
	width := len("scenario type")
	for _, t := range slices.Concat(types, flags) {
		width = max(width, len(t))
	}
	// A column of instructions followed (%) when some scenarios have instructions to check.
	instr := s.InstructionFollowed != nil
	followed := func(f *float64) string {
		switch {
		case !instr:
			return ""
		case f == nil:
			return fmt.Sprintf("  %8s", "-")
		}
		return fmt.Sprintf("  %7.1f%%", 100**f)
	}
	// Columns of goals reached and at-fault collisions (%) when some scenarios have a goal (CommonRoad), and of
	// goals reached of the reachable ones when some goal is unreachable.
	goals := s.GoalReached != nil
	unreachable := goals && s.GoalReachable < s.GoalScenarios
	// ... and of the at-fault collisions of the runs without one the scenario causes, when some run has one.
	unavoidable := goals && s.CollisionAvoidable < s.Scenarios-s.Failed
	pct := func(f *float64, w int) string {
		if f == nil {
			return fmt.Sprintf("  %*s", w, "-")
		}
		return fmt.Sprintf("  %*.1f%%", w-1, 100**f)
	}
	goalCols := func(f, ofReachable *float64, collisions float64, ofAvoidable *float64) string {
		if !goals {
			return ""
		}
		out := pct(f, 7)
		if unreachable {
			out += pct(ofReachable, 12)
		}
		out += pct(&collisions, 10)
		if unavoidable {
			out += pct(ofAvoidable, 12)
		}
		return out
	}
	rule := width + 26
	head := fmt.Sprintf("%-*s  %5s  %6s  %7s", width, "scenario type", "n", "failed", "score")
	if instr {
		head += fmt.Sprintf("  %8s", "followed")
		rule += 10
	}
	if goals {
		head += fmt.Sprintf("  %7s", "goals")
		if unreachable {
			head += fmt.Sprintf("  %12s", "of reachable")
			rule += 14
		}
		head += fmt.Sprintf("  %10s", "collisions")
		rule += 21
		if unavoidable {
			head += fmt.Sprintf("  %12s", "of avoidable")
			rule += 14
		}
	}
	fmt.Fprintf(&b, "%s\n%s\n", head, strings.Repeat("-", rule))
	row := func(name string, ts TypeScore) {
		fmt.Fprintf(&b, "%-*s  %5d  %6d  %7.2f%s%s\n", width, name, ts.N, ts.Failed, ts.Score, followed(ts.InstructionFollowed),
			goalCols(ts.GoalReached, ts.GoalReachedOfReachable, ts.Collisions, ofAvoidable(ts)))
	}
	for _, t := range types {
		row(t, s.ByType[t])
	}
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", rule))
	row("all (CLS x100)", TypeScore{N: s.Scenarios, Failed: s.Failed, Score: s.Score, InstructionFollowed: s.InstructionFollowed,
		GoalReached: s.GoalReached, GoalReachedOfReachable: s.GoalReachedOfReachable, Collisions: s.Collisions,
		CollisionsOfAvoidable: s.CollisionsOfAvoidable, CollisionAvoidable: s.CollisionAvoidable})
	if len(flags) > 0 {
		fmt.Fprintf(&b, "%s\n", strings.Repeat("-", rule))
		fmt.Fprintf(&b, "flagged on import (results.jsonl's flags; a scenario counts under each of its flags):\n")
		for _, f := range flags {
			row(f, s.ByFlag[f])
		}
	}
	b.WriteString("\n")

	names := slices.Clone(metricNames)
	for _, n := range sortedKeys(s.Metrics) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	mwidth := len("metric (mean over completed scenarios)")
	for _, n := range names {
		mwidth = max(mwidth, len(n))
	}
	fmt.Fprintf(&b, "%-*s  %7s\n", mwidth, "metric (mean over completed scenarios)", "mean")
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", mwidth+9))
	for _, n := range names {
		v, ok := s.Metrics[n]
		if !ok {
			fmt.Fprintf(&b, "%-*s  %7s\n", mwidth, n, "-")
			continue
		}
		fmt.Fprintf(&b, "%-*s  %7.4f\n", mwidth, n, v)
	}
	fmt.Fprintf(&b, "\nscore %.2f over all scenarios (a failed scenario scores 0), %.2f over the %d completed\n",
		s.Score, s.ScoreCompleted, s.Scenarios-s.Failed)
	fmt.Fprintf(&b, "at-fault collisions in %.2f%% of the completed scenarios", 100*s.Collisions)
	if ran := s.Scenarios - s.Failed; s.CollisionAvoidable < ran {
		fmt.Fprintf(&b, " (%.2f%% of the %d without a collision the scenario causes, %d with one)", 100*s.CollisionsOfAvoidable,
			s.CollisionAvoidable, ran-s.CollisionAvoidable)
	}
	if s.GoalReached != nil {
		fmt.Fprintf(&b, "; goal reached in %.2f%% of the %d completed with a goal", 100**s.GoalReached, s.GoalScenarios)
		if r := s.GoalReachedOfReachable; r != nil && s.GoalReachable < s.GoalScenarios {
			fmt.Fprintf(&b, ", %.2f%% of the %d reachable", 100**r, s.GoalReachable)
		}
		if len(s.GoalMisses) > 0 {
			fmt.Fprintf(&b, " (missed: %s)", goalMissList(s.GoalMisses))
		}
	}
	if s.InstructionFollowed != nil {
		fmt.Fprintf(&b, "; instructions followed in %.2f%% of the %d completed with instructions", 100**s.InstructionFollowed, s.InstructionScenarios)
	}
	b.WriteString("\n")
	if len(s.ComfortViolations) > 0 {
		fmt.Fprintf(&b, "uncomfortable runs by the quantity outside nuPlan's bound: %s\n", countList(s.ComfortViolations))
	}
	fmt.Fprintf(&b, "planner runtime: %d calls, mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		s.PlannerCalls, s.PlannerMSMean, s.PlannerMSP50, s.PlannerMSP99, s.PlannerMSMax)
	fmt.Fprintf(&b, "wall %.2f s", s.WallS)
	if s.ScenariosPerS > 0 {
		fmt.Fprintf(&b, ", %.1f scenarios/s", s.ScenariosPerS)
	}
	if s.Resumed > 0 {
		fmt.Fprintf(&b, ", %d resumed from an earlier run", s.Resumed)
	}
	if s.MergedShards > 0 {
		fmt.Fprintf(&b, " (slowest of %d shards; %.2f s added up)", s.MergedShards, s.WallSSum)
	}
	b.WriteString("\n")
	if len(s.Errors) > 0 {
		const show = 10
		fmt.Fprintf(&b, "\nfailed scenarios:\n")
		for i, e := range s.Errors {
			if i == show {
				fmt.Fprintf(&b, "  ... and %d more (see summary.json)\n", len(s.Errors)-show)
				break
			}
			if strings.Contains(e.Error, e.Key) {
				fmt.Fprintf(&b, "  %s\n", e.Error)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", e.Key, e.Error)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// goalMissList lists missed goals by reason, the most frequent first: "12 late, 8 never in the region".
func goalMissList(m map[string]int) string {
	return strings.ReplaceAll(countList(m), "never in region", "never in the region")
}

// countList lists the counts of m, largest first, as "N name" with underscores as spaces.
func countList(m map[string]int) string {
	names := sortedKeys(m)
	slices.SortStableFunc(names, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(names))
	for i, r := range names {
		parts[i] = fmt.Sprintf("%d %s", m[r], strings.ReplaceAll(r, "_", " "))
	}
	return strings.Join(parts, ", ")
}

// shortAgents names an agent mode as nuPlan's scores do: CLS-NR for non-reactive, CLS-R for reactive.
func shortAgents(agents string) string {
	switch agents {
	case "nonreactive":
		return "CLS-NR"
	case "reactive":
		return "CLS-R"
	case "reactive_nuplan":
		return "CLS-R (nuPlan agents)"
	}
	return agents
}

// WriteComparison prints several runs side by side, one column per summary: one row per scenario type (CLS
// x100; a type's cell adds the share of its instructions followed, when it has checkable ones), the overall
// score, failures, at-fault collisions, goals reached and instructions followed (when a run has such
// scenarios; goals and collisions also per type with goals), the guide's calls and inference percentiles (when a run was guided), the planner's runtime
// percentiles and the wall time. A guided run's heading names its interval and latency ("pdm CLS-NR K5
// L100").
func WriteComparison(w io.Writer, sums []*Summary) error {
	var b strings.Builder
	types := map[string]int{}
	for _, s := range sums {
		for t, ts := range s.ByType {
			types[t] = max(types[t], ts.N)
		}
	}
	rows := sortedKeys(types)
	if i := slices.Index(rows, UnknownType); i >= 0 {
		rows = append(slices.Delete(rows, i, i+1), UnknownType)
	}
	width := len("instructions followed")
	for _, t := range rows {
		width = max(width, len(t))
		if slices.ContainsFunc(sums, func(s *Summary) bool { return s.ByType[t].GoalReached != nil }) {
			width = max(width, len("collisions, ")+len(t)) // its rows of goals and collisions
		}
	}
	heads := make([]string, len(sums))
	colw := make([]int, len(sums))
	for i, s := range sums {
		heads[i] = s.Planner + " " + shortAgents(s.Agents)
		if g := s.Guide; g != nil {
			every := "K" + g.Interval
			if rate, ok := strings.CutPrefix(g.Interval, "rate "); ok {
				every = strings.ReplaceAll(rate, " ", "")
			}
			heads[i] += " " + every + " L" + g.LatencyMS
		}
		colw[i] = max(8, len(heads[i]))
	}
	row := func(label string, n string, cell func(i int, s *Summary) string) {
		fmt.Fprintf(&b, "%-*s  %5s", width, label, n)
		for i, s := range sums {
			fmt.Fprintf(&b, "  %*s", colw[i], cell(i, s))
		}
		b.WriteString("\n")
	}
	rule := func() {
		n := width + 7
		for _, c := range colw {
			n += c + 2
		}
		b.WriteString(strings.Repeat("-", n) + "\n")
	}
	row("scenario type", "n", func(i int, _ *Summary) string { return heads[i] })
	rule()
	for _, t := range rows {
		row(t, fmt.Sprint(types[t]), func(_ int, s *Summary) string {
			ts, ok := s.ByType[t]
			if !ok {
				return "-"
			}
			if f := ts.InstructionFollowed; f != nil {
				return fmt.Sprintf("%.2f, %s", ts.Score, strings.TrimSuffix(percent(*f), ".0%")+"%")
			}
			return fmt.Sprintf("%.2f", ts.Score)
		})
	}
	rule()
	row("all (CLS x100)", "", func(_ int, s *Summary) string { return fmt.Sprintf("%.2f", s.Score) })
	row("scenarios", "", func(_ int, s *Summary) string { return fmt.Sprint(s.Scenarios) })
	row("failed", "", func(_ int, s *Summary) string { return fmt.Sprint(s.Failed) })
	row("collisions", "", func(_ int, s *Summary) string { return percent(s.Collisions) })
	optional := func(label string, has func(s *Summary) bool, cell func(s *Summary) string) {
		if slices.ContainsFunc(sums, has) {
			row(label, "", func(_ int, s *Summary) string {
				if !has(s) {
					return "-"
				}
				return cell(s)
			})
		}
	}
	optional("goal reached", func(s *Summary) bool { return s.GoalReached != nil },
		func(s *Summary) string { return percent(*s.GoalReached) })
	// Per type, for the types with goals (CommonRoad's datasets): goals reached and at-fault collisions.
	for _, label := range []string{"goals", "collisions"} {
		for _, t := range rows {
			optional(label+", "+t, func(s *Summary) bool { ts, ok := s.ByType[t]; return ok && ts.GoalReached != nil },
				func(s *Summary) string {
					if ts := s.ByType[t]; label == "goals" {
						return percent(*ts.GoalReached)
					} else {
						return percent(ts.Collisions)
					}
				})
		}
	}
	optional("instructions followed", func(s *Summary) bool { return s.InstructionFollowed != nil },
		func(s *Summary) string { return percent(*s.InstructionFollowed) })
	guided := func(s *Summary) bool { return s.Guide != nil }
	optional("guide calls", guided, func(s *Summary) string { return fmt.Sprint(s.Guide.Calls) })
	optional("guide errors", guided, func(s *Summary) string { return fmt.Sprint(s.Guide.Errors) })
	optional("guide infer p50 (ms)", guided, func(s *Summary) string { return fmt.Sprintf("%.3f", s.Guide.InferP50) })
	optional("guide infer p99 (ms)", guided, func(s *Summary) string { return fmt.Sprintf("%.3f", s.Guide.InferP99) })
	row("planner p50 (ms)", "", func(_ int, s *Summary) string { return fmt.Sprintf("%.3f", s.PlannerMSP50) })
	row("planner p99 (ms)", "", func(_ int, s *Summary) string { return fmt.Sprintf("%.3f", s.PlannerMSP99) })
	row("wall (s)", "", func(_ int, s *Summary) string { return fmt.Sprintf("%.2f", s.WallS) })
	row("scenarios/s", "", func(_ int, s *Summary) string { return fmt.Sprintf("%.1f", s.ScenariosPerS) })
	_, err := io.WriteString(w, b.String())
	return err
}

// percent formats a fraction as a percentage with one decimal.
func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// ofAvoidable returns a row's collisions of the avoidable runs, nil when it has none.
func ofAvoidable(ts TypeScore) *float64 {
	if ts.CollisionAvoidable == 0 {
		return nil
	}
	return &ts.CollisionsOfAvoidable
}
