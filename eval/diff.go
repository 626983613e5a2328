package eval

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// scoreEps is the smallest change of a per-scenario CLS or metric value that Diff counts; results.jsonl
// stores full precision, so anything below it is rounding.
const scoreEps = 1e-6

// ScenarioChange is one scenario whose outcome differs between two evaluations of the same scenarios.
type ScenarioChange struct {
	Key       string  // the records' key (file path relative to the scenario folder, or "type/NNN")
	Type      string  // scenario type (the new record's, else the base's)
	Base, New *Record // the two records
}

// Delta is the change of the scenario's CLS in [0, 1] (new less base; a failed scenario scores 0).
func (c ScenarioChange) Delta() float64 { return c.New.Score - c.Base.Score }

// TypeDiff is one scenario type's part of a Diff.
type TypeDiff struct {
	N       int     // scenarios of this type in both evaluations
	Changed int     // of which changed
	Base    float64 // mean CLS x100 over the N in the base evaluation
	New     float64 // the same in the new one
}

// Diff is how a new evaluation's per-scenario outcomes differ from a base evaluation's (the regression
// check after a change to a planner, the simulator or the importer, or a planner against log replay).
// Scenarios are matched by key; a scenario changed when its CLS moved by more than 1e-6, or its goal,
// at-fault collisions, instruction outcome, error or import flags differ.
type Diff struct {
	Common   int                 // scenarios in both
	OnlyBase []string            // keys only the base evaluated, in its order
	OnlyNew  []string            // keys only the new one evaluated, in its order
	Changes  []ScenarioChange    // the changed scenarios, largest CLS drop first (then by key)
	Better   int                 // changed scenarios whose CLS rose
	Worse    int                 // changed scenarios whose CLS fell
	Base     float64             // mean CLS x100 of the common scenarios in the base evaluation
	New      float64             // the same in the new one
	ByType   map[string]TypeDiff // per scenario type
	// Shared lists the scenarios that fail the same way in both evaluations (an at-fault collision in both,
	// the goal missed in both, or an error in both), in the new evaluation's order, whether or not they
	// changed otherwise: against log replay, the failures the recorded driver shares.
	Shared []SharedFailure
}

// SharedFailure is a scenario failing the same way in both evaluations of a Diff.
type SharedFailure struct {
	Key string
	How []string // "at-fault collision", "goal missed", "error"
}

// DiffRecords compares two evaluations' records (results.jsonl of each) scenario by scenario. A key that
// appears twice in one evaluation keeps its last record, as a resumed run's would.
func DiffRecords(base, new []*Record) *Diff {
	bm, border := lastByKey(base)
	nm, norder := lastByKey(new)
	d := &Diff{ByType: map[string]TypeDiff{}}
	for _, k := range border {
		if _, ok := nm[k]; !ok {
			d.OnlyBase = append(d.OnlyBase, k)
		}
	}
	for _, k := range norder {
		b, ok := bm[k]
		if !ok {
			d.OnlyNew = append(d.OnlyNew, k)
			continue
		}
		n := nm[k]
		typ := cmp.Or(n.Type, b.Type, UnknownType)
		d.Common++
		d.Base += b.Score
		d.New += n.Score
		if how := sharedFailure(b, n); len(how) > 0 {
			d.Shared = append(d.Shared, SharedFailure{Key: k, How: how})
		}
		td := d.ByType[typ]
		td.N++
		td.Base += b.Score
		td.New += n.Score
		if recordChanged(b, n) {
			td.Changed++
			c := ScenarioChange{Key: k, Type: typ, Base: b, New: n}
			switch delta := c.Delta(); {
			case delta > scoreEps:
				d.Better++
			case delta < -scoreEps:
				d.Worse++
			}
			d.Changes = append(d.Changes, c)
		}
		d.ByType[typ] = td
	}
	if d.Common > 0 {
		d.Base *= 100 / float64(d.Common)
		d.New *= 100 / float64(d.Common)
	}
	for t, td := range d.ByType {
		td.Base *= 100 / float64(td.N)
		td.New *= 100 / float64(td.N)
		d.ByType[t] = td
	}
	slices.SortStableFunc(d.Changes, func(a, b ScenarioChange) int {
		return cmp.Or(cmp.Compare(a.Delta(), b.Delta()), cmp.Compare(a.Key, b.Key))
	})
	return d
}

// sharedFailure names the ways both records of a scenario failed (Failures of each).
func sharedFailure(a, b *Record) []string {
	var how []string
	fb := Failures(b)
	for _, f := range Failures(a) {
		if slices.Contains(fb, f) {
			how = append(how, f)
		}
	}
	return how
}

// recordChanged reports whether two records of one scenario differ in anything but runtimes and the guide's
// work: score, metrics, goal, collisions, instructions, error or flags.
func recordChanged(a, b *Record) bool {
	if math.Abs(a.Score-b.Score) > scoreEps || a.AtFaultCollisions != b.AtFaultCollisions || a.Error != b.Error ||
		!equalBool(a.GoalReached, b.GoalReached) || !equalBool(a.InstructionFollowed, b.InstructionFollowed) ||
		!slices.Equal(a.Flags, b.Flags) {
		return true
	}
	return len(metricChanges(a, b)) > 0
}

func equalBool(a, b *bool) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// metricChanges names the metrics whose value differs between two records ("name base->new"), in name
// order; a metric one record lacks shows as "-".
func metricChanges(a, b *Record) []string {
	names := map[string]bool{}
	for k := range a.Metrics {
		names[k] = true
	}
	for k := range b.Metrics {
		names[k] = true
	}
	var out []string
	for _, k := range sortedKeys(names) {
		va, oka := a.Metrics[k]
		vb, okb := b.Metrics[k]
		if oka == okb && math.Abs(va-vb) <= scoreEps {
			continue
		}
		out = append(out, k+" "+metricValue(va, oka)+"->"+metricValue(vb, okb))
	}
	return out
}

func metricValue(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// goalCell describes a record's goal outcome in a few characters: "met", the miss's reason, "-" without
// a goal.
func goalCell(r *Record) string {
	switch {
	case r.Error != "":
		return "error"
	case r.GoalReached == nil:
		return "-"
	case *r.GoalReached:
		return "met"
	case r.GoalMiss != nil:
		return r.GoalMiss.Reason
	}
	return "missed"
}

// WriteDiff prints a Diff: the common scenarios' CLS before and after, per type, then the changed
// scenarios, largest drop first, with what moved in each (metrics, goal, at-fault collisions, errors).
// limit caps the listed scenarios (<= 0: all); baseName and newName label the two evaluations.
func WriteDiff(w io.Writer, baseName, newName string, d *Diff, limit int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base: %s\nnew:  %s\n", baseName, newName)
	fmt.Fprintf(&b, "%d scenarios in both: %d changed (CLS up in %d, down in %d, equal in %d), %d unchanged; CLS x100 %.2f -> %.2f (%+.2f)\n",
		d.Common, len(d.Changes), d.Better, d.Worse, len(d.Changes)-d.Better-d.Worse, d.Common-len(d.Changes),
		d.Base, d.New, d.New-d.Base)
	for _, only := range []struct {
		name string
		keys []string
	}{{"base", d.OnlyBase}, {"new", d.OnlyNew}} {
		if len(only.keys) > 0 {
			fmt.Fprintf(&b, "%d scenarios only in the %s evaluation (not compared), e.g. %s\n", len(only.keys), only.name, only.keys[0])
		}
	}
	if len(d.ByType) > 0 {
		types := sortedKeys(d.ByType)
		width := len("scenario type")
		for _, t := range types {
			width = max(width, len(t))
		}
		fmt.Fprintf(&b, "\n%-*s  %5s  %7s  %8s  %8s  %7s\n", width, "scenario type", "n", "changed", "base", "new", "delta")
		b.WriteString(strings.Repeat("-", width+45) + "\n")
		for _, t := range types {
			td := d.ByType[t]
			fmt.Fprintf(&b, "%-*s  %5d  %7d  %8.2f  %8.2f  %+7.2f\n", width, t, td.N, td.Changed, td.Base, td.New, td.New-td.Base)
		}
	}
	if len(d.Changes) > 0 {
		shown := d.Changes[:listed(len(d.Changes), limit)]
		fmt.Fprintf(&b, "\nchanged scenarios, largest CLS drop first (CLS x100 base -> new, change; what moved under each):\n")
		for _, c := range shown {
			fmt.Fprintf(&b, "%7.2f -> %6.2f  %+7.2f  %s\n", 100*c.Base.Score, 100*c.New.Score, 100*c.Delta(), c.Key)
			var what []string
			if g0, g1 := goalCell(c.Base), goalCell(c.New); g0 != g1 {
				what = append(what, "goal "+g0+"->"+g1)
			}
			if c.Base.AtFaultCollisions != c.New.AtFaultCollisions {
				what = append(what, fmt.Sprintf("at-fault collisions %d->%d", c.Base.AtFaultCollisions, c.New.AtFaultCollisions))
			}
			if !equalBool(c.Base.InstructionFollowed, c.New.InstructionFollowed) {
				what = append(what, "instruction followed "+boolCell(c.Base.InstructionFollowed)+"->"+boolCell(c.New.InstructionFollowed))
			}
			if !slices.Equal(c.Base.Flags, c.New.Flags) {
				what = append(what, "flags ["+strings.Join(c.Base.Flags, " ")+"]->["+strings.Join(c.New.Flags, " ")+"]")
			}
			what = append(what, metricChanges(c.Base, c.New)...)
			for _, r := range []struct {
				name string
				rec  *Record
			}{{"base", c.Base}, {"new", c.New}} {
				if r.rec.Error != "" && c.Base.Error != c.New.Error {
					what = append(what, r.name+" error: "+r.rec.Error)
				}
			}
			for _, s := range what {
				fmt.Fprintf(&b, "                            %s\n", s)
			}
		}
		writeMore(&b, len(d.Changes)-len(shown))
	}
	if len(d.Shared) > 0 {
		shown := d.Shared[:listed(len(d.Shared), limit)]
		fmt.Fprintf(&b, "\n%d scenarios fail the same way in both:\n", len(d.Shared))
		for _, f := range shown {
			fmt.Fprintf(&b, "  %s: %s\n", f.Key, strings.Join(f.How, ", "))
		}
		writeMore(&b, len(d.Shared)-len(shown))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// listed returns how many of n entries a list capped at limit shows (limit <= 0: all).
func listed(n, limit int) int {
	if limit > 0 {
		return min(n, limit)
	}
	return n
}

// writeMore notes the entries a capped list left out.
func writeMore(b *strings.Builder, left int) {
	if left > 0 {
		fmt.Fprintf(b, "... and %d more (--limit 0 lists them all)\n", left)
	}
}

func boolCell(p *bool) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}
