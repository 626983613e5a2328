package eval

import (
	"strings"
	"testing"

	"asyncdrive/metrics"
)

// perfectMetrics returns a run's metrics with every one of the eight at 1.
func perfectMetrics() map[string]float64 {
	m := map[string]float64{}
	for _, n := range metrics.Names {
		m[n] = 1
	}
	return m
}

// Why names what a run lost, in the score's order, with the measured amounts a user reads off the record.
func TestWhySaysWhatARunLost(t *testing.T) {
	no, late, by, left := false, 0.5, 6.25, 7.7
	m := perfectMetrics()
	m[metrics.NameNoAtFaultCollisions] = 0
	m[metrics.NameProgressAlongExpertRoute] = 0.64
	m[metrics.NameTimeToCollisionWithinBound] = 0
	m[metrics.NameComfortable] = 0
	r := &Record{Key: "SinD/a.xml", Score: 0, Metrics: m, GoalReached: &no, GoalMiss: &GoalMiss{Reason: "late", By: &late},
		AtFaultCollisions: 2, CollisionUnavoidable: "braking at 8 m/s^2 from the start, the ego still meets 3",
		Uncomfortable: map[string]float64{"lon_jerk": 5.637, "jerk": 9.1}, LeftMapS: &left}
	got := strings.Join(Why(r), "; ")
	want := "2 at-fault collisions (the scenario's: braking at 8 m/s^2 from the start, the ego still meets 3); " +
		"goal missed: late by 0.5 s; progress 0.64 of the expert's; time to collision; " +
		"uncomfortable (jerk 9.1, lon_jerk 5.637); left the map at 7.7 s"
	if got != want {
		t.Errorf("Why:\n got %s\nwant %s", got, want)
	}

	m = perfectMetrics()
	m[metrics.NameMakingProgress] = 0
	m[metrics.NameProgressAlongExpertRoute] = 0.1
	m[metrics.NameDrivingDirectionCompliance] = 0.5
	r = &Record{Metrics: m, GoalReached: &no, GoalMiss: &GoalMiss{Reason: "never_in_region", By: &by}, GoalUnreachable: "too far"}
	got = strings.Join(Why(r), "; ")
	want = "goal missed: never in the region (6.25 m from it) (unreachable: too far); against the lane's direction (0.5); " +
		"not making progress (under 0.2 of the expert's)"
	if got != want {
		t.Errorf("Why:\n got %s\nwant %s", got, want)
	}

	if got := Why(&Record{Error: "x.json: map: missing"}); len(got) != 1 || got[0] != "error: x.json: map: missing" {
		t.Errorf("Why of a failed scenario: %q", got)
	}
	yes := true
	if got := Why(&Record{Score: 1, Metrics: perfectMetrics(), GoalReached: &yes}); len(got) != 0 {
		t.Errorf("Why of a perfect run: %q", got)
	}
}

// The failure listing picks the collided, goal-missing, multiplier-failing and erroring runs (and with a
// threshold the low-scoring ones), type by type and lowest first, the last record of a resumed key only.
func TestWriteFailuresListsEveryFailureWithWhy(t *testing.T) {
	no, yes := false, true
	ok := func(key, typ string, score float64) *Record {
		m := perfectMetrics()
		m[metrics.NameProgressAlongExpertRoute] = score
		return &Record{Key: key, Type: typ, Score: score, Metrics: m, GoalReached: &yes}
	}
	collided := ok("b/collided", "b", 0)
	collided.AtFaultCollisions = 1
	collided.Metrics[metrics.NameNoAtFaultCollisions] = 0
	missed := ok("b/missed", "b", 0.9)
	missed.GoalReached = &no
	stuck := ok("a/stuck", "a", 0)
	stuck.Metrics[metrics.NameMakingProgress] = 0
	stuck.GoalReached = nil
	resumedBad := ok("a/resumed", "a", 0)
	resumedBad.Error = "crashed"
	recs := []*Record{
		ok("a/fine", "a", 1), missed, resumedBad, stuck, ok("b/low", "b", 0.7), collided,
		ok("a/resumed", "a", 1), // a resumed run's later record replaces the failed one
		{Key: "bad.json", Error: "bad.json: not JSON"},
	}
	var b strings.Builder
	if err := WriteFailures(&b, "out/x", recs, 0, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := "out/x\n4 of 7 scenarios with an at-fault collision, a missed goal, another multiplier failed or an error\n" +
		"\na: 1 of 3\n   0.00  a/stuck  not making progress (under 0.2 of the expert's)\n" +
		"\nb: 2 of 3\n   0.00  b/collided  at-fault collision; progress 0 of the expert's\n  90.00  b/missed  goal missed; progress 0.9 of the expert's\n" +
		"\nunknown: 1 of 1\n   0.00  bad.json  error: bad.json: not JSON\n"
	if out != want {
		t.Errorf("WriteFailures:\n%s\nwant:\n%s", out, want)
	}

	b.Reset()
	if err := WriteFailures(&b, "out/x", recs, 80, 2); err != nil {
		t.Fatal(err)
	}
	out = b.String()
	for _, s := range []string{"5 of 7 scenarios with an at-fault collision, a missed goal, another multiplier failed or an error, or CLS x100 under 80\n",
		"a: 1 of 3\n", "b: 3 of 3\n   0.00  b/collided", "... and 3 more (--limit 0 lists them all)"} {
		if !strings.Contains(out, s) {
			t.Errorf("WriteFailures below 80, limit 2, lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "b/low") {
		t.Errorf("the limit of 2 listed more:\n%s", out)
	}
}
