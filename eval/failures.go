package eval

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"asyncdrive/metrics"
	"asyncdrive/scenarios/commonroad"
)

// Why says, in short phrases, why a record's run failed or lost points, in the order of the score's terms:
// the error of a scenario that did not run; at-fault collisions (and whether the scenario causes them); a
// missed goal (how, by how much, whether any driver could have met it); the other multipliers that failed;
// the weighted metrics below 1 (comfort with the quantities outside their bounds); leaving the recorded map;
// instructions not followed. It is empty for a run that scored 1 and met its goal.
func Why(r *Record) []string {
	if r.Error != "" {
		return []string{"error: " + r.Error}
	}
	var why []string
	if n := r.AtFaultCollisions; n > 0 {
		s := "at-fault collision"
		if n > 1 {
			s = fmt.Sprintf("%d at-fault collisions", n)
		}
		if r.CollisionUnavoidable != "" {
			s += " (the scenario's: " + r.CollisionUnavoidable + ")"
		}
		why = append(why, s)
	}
	if r.GoalReached != nil && !*r.GoalReached {
		s := "goal missed"
		if r.GoalMiss != nil {
			s += ": " + goalMissText(r.GoalMiss)
		}
		if r.GoalUnreachable != "" {
			s += " (unreachable: " + r.GoalUnreachable + ")"
		}
		why = append(why, s)
	}
	m := r.Metrics
	below := func(name string) (float64, bool) {
		v, ok := m[name]
		return v, ok && v < 1-scoreEps
	}
	if _, ok := below(metrics.NameDrivableAreaCompliance); ok {
		why = append(why, "off the drivable area")
	}
	if v, ok := below(metrics.NameDrivingDirectionCompliance); ok {
		why = append(why, "against the lane's direction ("+metricValue(v, true)+")")
	}
	if _, ok := below(metrics.NameMakingProgress); ok {
		why = append(why, "not making progress (under 0.2 of the expert's)")
	} else if v, ok := below(metrics.NameProgressAlongExpertRoute); ok {
		why = append(why, "progress "+metricValue(v, true)+" of the expert's")
	}
	if _, ok := below(metrics.NameTimeToCollisionWithinBound); ok {
		why = append(why, "time to collision")
	}
	if v, ok := below(metrics.NameSpeedLimitCompliance); ok {
		why = append(why, "speed limit "+metricValue(v, true))
	}
	if _, ok := below(metrics.NameComfortable); ok {
		s := "uncomfortable"
		if len(r.Uncomfortable) > 0 {
			parts := make([]string, 0, len(r.Uncomfortable))
			for _, q := range sortedKeys(r.Uncomfortable) {
				parts = append(parts, q+" "+metricValue(r.Uncomfortable[q], true))
			}
			s += " (" + strings.Join(parts, ", ") + ")"
		}
		why = append(why, s)
	}
	if r.LeftMapS != nil {
		why = append(why, fmt.Sprintf("left the map at %.1f s", *r.LeftMapS))
	}
	if r.InstructionFollowed != nil && !*r.InstructionFollowed {
		why = append(why, "instructions not followed")
	}
	return why
}

// goalMissText says how a goal was missed: "late by 0.5 s", "never in the region (6.2 m from it)".
func goalMissText(g *GoalMiss) string {
	var unit string
	switch g.Reason {
	case commonroad.MissHeading, commonroad.MissHeadingAndSpeed:
		unit = "rad"
	case commonroad.MissSpeed:
		unit = "m/s"
	case commonroad.MissLate, commonroad.MissEarly:
		unit = "s"
	case commonroad.MissNever:
		if g.By == nil {
			return "never in the region"
		}
		return "never in the region (" + metricValue(*g.By, true) + " m from it)"
	}
	s := strings.ReplaceAll(g.Reason, "_", " ")
	if g.By == nil {
		return s
	}
	return s + " by " + metricValue(*g.By, true) + " " + unit
}

// lastByKey indexes records by key, a key that appears twice keeping its last record (as a resumed run's
// would), and returns the keys in first-seen order.
func lastByKey(recs []*Record) (map[string]*Record, []string) {
	m := make(map[string]*Record, len(recs))
	var order []string
	for _, r := range recs {
		if _, dup := m[r.Key]; !dup {
			order = append(order, r.Key)
		}
		m[r.Key] = r
	}
	return m, order
}

// multiplierFailed reports whether a run failed one of the score's multipliers other than the collisions
// (the drivable area, the driving direction, making progress).
func multiplierFailed(r *Record) bool {
	for _, name := range []string{metrics.NameDrivableAreaCompliance, metrics.NameDrivingDirectionCompliance, metrics.NameMakingProgress} {
		if v, ok := r.Metrics[name]; ok && v < 1-scoreEps {
			return true
		}
	}
	return false
}

// SelectFailures picks the records of an evaluation that failed (Failures: an at-fault collision, a missed
// goal, an error; or another multiplier of the score) or, when below > 0, scored under below (CLS x100),
// ordered by type, then by score, lowest first, then by key. A key that appears twice keeps its last record.
func SelectFailures(recs []*Record, below float64) []*Record {
	m, order := lastByKey(recs)
	return selectFailures(m, order, below)
}

// selectFailures is SelectFailures over records already indexed by lastByKey.
func selectFailures(m map[string]*Record, order []string, below float64) []*Record {
	var out []*Record
	for _, k := range order {
		r := m[k]
		if len(Failures(r)) > 0 || multiplierFailed(r) || 100*r.Score < below {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *Record) int {
		return cmp.Or(cmp.Compare(cmp.Or(a.Type, UnknownType), cmp.Or(b.Type, UnknownType)),
			cmp.Compare(a.Score, b.Score), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// WriteFailures prints an evaluation's failures (SelectFailures) type by type, one line each: CLS x100, the
// key and Why. name labels the evaluation; limit caps the listed scenarios (<= 0: all).
func WriteFailures(w io.Writer, name string, recs []*Record, below float64, limit int) error {
	all, order := lastByKey(recs)
	perType, failing := map[string]int{}, map[string]int{}
	for _, r := range all {
		perType[cmp.Or(r.Type, UnknownType)]++
	}
	sel := selectFailures(all, order, below)
	for _, r := range sel {
		failing[cmp.Or(r.Type, UnknownType)]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", name)
	what := "an at-fault collision, a missed goal, another multiplier failed or an error"
	if below > 0 {
		what += fmt.Sprintf(", or CLS x100 under %g", below)
	}
	fmt.Fprintf(&b, "%d of %d scenarios with %s\n", len(sel), len(all), what)
	shown := sel[:listed(len(sel), limit)]
	typ := ""
	for _, r := range shown {
		if t := cmp.Or(r.Type, UnknownType); t != typ {
			typ = t
			fmt.Fprintf(&b, "\n%s: %d of %d\n", t, failing[t], perType[t])
		}
		why := Why(r)
		if len(why) == 0 {
			why = []string{"-"}
		}
		fmt.Fprintf(&b, "%7.2f  %s  %s\n", 100*r.Score, r.Key, strings.Join(why, "; "))
	}
	writeMore(&b, len(sel)-len(shown))
	_, err := io.WriteString(w, b.String())
	return err
}
