package sim

import (
	"errors"
	"math"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
)

// blindPerception sees nothing: the planner drives as if the road were empty.
type blindPerception struct{ calls int }

func (b *blindPerception) Perceive(float64, dynamics.State, []scenarios.Object) ([]scenarios.Object, error) {
	b.calls++
	return nil, nil
}

func TestPerceptionFeedsThePlannerButMetricsUseTruth(t *testing.T) {
	sc := testScenario()
	sc.Tracks = []scenarios.Track{track("parked", 80, 0, 0, 231)}
	blind := &blindPerception{}
	res, err := Run(sc, planner.NewIDM(planner.IDMConfig{}), Config{Perception: blind})
	if err != nil {
		t.Fatal(err)
	}
	if blind.calls != 151 {
		t.Errorf("perception called %d times, want once per frame (151)", blind.calls)
	}
	if len(res.Observed) != 151 || len(res.Observed[10]) != 0 || len(res.Objects[10]) != 1 {
		t.Fatalf("observed %d frames (%d objects at frame 10), truth %d objects: want 151 frames, 0 observed, 1 true",
			len(res.Observed), len(res.Observed[10]), len(res.Objects[10]))
	}
	if res.Metrics.NoAtFaultCollisions != 0 {
		t.Errorf("a blind IDM scored at-fault collision %v against the parked car it could not see, want 0", res.Metrics.NoAtFaultCollisions)
	}
}

type failingPerception struct{}

func (failingPerception) Perceive(t float64, _ dynamics.State, _ []scenarios.Object) ([]scenarios.Object, error) {
	if t > 1 {
		return nil, errors.New("sensor gone")
	}
	return nil, nil
}

func TestPerceptionErrorEndsTheRun(t *testing.T) {
	_, err := Run(testScenario(), planner.NewIDM(planner.IDMConfig{}), Config{Perception: failingPerception{}})
	if err == nil || !strings.Contains(err.Error(), "sensor gone") || !strings.Contains(err.Error(), "perception at frame") {
		t.Fatalf("error %v, want the perception's error with its frame", err)
	}
}

// stopGuide asks for a stop from t = 2 s on, for the observation taken 0.3 s earlier.
type stopGuide struct{ calls int }

func (g *stopGuide) Guidance(in *planner.Input) *planner.Guidance {
	g.calls++
	if in.Guidance != nil {
		panic("guidance set before the guide was asked")
	}
	if in.Time < 2 {
		return nil
	}
	return &planner.Guidance{Time: in.Time - 0.3, Stop: true}
}

// guidanceSpy records the guidance the planner is given, then plans as IDM.
type guidanceSpy struct {
	planner.Planner
	ages []float64
}

func (s *guidanceSpy) ComputeTrajectory(in *planner.Input) (dynamics.Trajectory, error) {
	if in.Guidance != nil {
		s.ages = append(s.ages, in.Guidance.Age(in.Time))
	}
	return s.Planner.ComputeTrajectory(in)
}

// frameCounter checks what observers are given.
type frameCounter struct {
	t      *testing.T
	frames int
	last   float64
}

func (c *frameCounter) ObserveStep(f *Frame) error {
	c.frames++
	if f.Iteration != c.frames-1 || f.Time < c.last || len(f.Plan) < 2 || f.Input == nil || f.Planner == nil {
		c.t.Errorf("frame %d: iteration %d time %.1f plan %d points", c.frames, f.Iteration, f.Time, len(f.Plan))
	}
	if f.Next.Time <= f.Time {
		c.t.Errorf("frame %d: next state at %.2f s, not after the tick at %.2f s", c.frames, f.Next.Time, f.Time)
	}
	c.last = f.Time
	return nil
}

func TestGuideAndObservers(t *testing.T) {
	sc := testScenario()
	g := &stopGuide{}
	spy := &guidanceSpy{Planner: planner.NewIDM(planner.IDMConfig{})}
	fc := &frameCounter{t: t}
	if _, err := Run(sc, spy, Config{Guide: g, Observers: []StepObserver{fc}}); err != nil {
		t.Fatal(err)
	}
	if g.calls != 150 || fc.frames != 150 {
		t.Errorf("guide called %d times, observer %d: want once per tick (150)", g.calls, fc.frames)
	}
	if len(spy.ages) != 130 || spy.ages[0] < 0.299 || spy.ages[0] > 0.301 {
		t.Errorf("planner got guidance %d times (first age %v), want 130 times aged 0.3 s", len(spy.ages), spy.ages)
	}
}

type failingObserver struct{}

func (failingObserver) ObserveStep(*Frame) error { return errors.New("disk full") }

func TestObserverErrorEndsTheRun(t *testing.T) {
	_, err := Run(testScenario(), planner.NewIDM(planner.IDMConfig{}), Config{Observers: []StepObserver{failingObserver{}}})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v, want the observer's error", err)
	}
}

// TestOvertimeRunsUntilTheConditionButScoresTheHorizon: overtime goes on until the condition holds, at most
// the overtime's steps, and only when it has not held before; the metrics cover the horizon.
func TestOvertimeRunsUntilTheConditionButScoresTheHorizon(t *testing.T) {
	sc := testScenario() // 15 s horizon, expert at 10 m/s from x = 10
	base, err := Run(sc, planner.NewLogReplay(sc), Config{})
	if err != nil {
		t.Fatal(err)
	}
	reach := func(e dynamics.State) bool { return e.Pose.X >= 180 } // the expert gets there at t = 17 s
	res, err := Run(sc, planner.NewLogReplay(sc), Config{Overtime: 50, Until: reach})
	if err != nil {
		t.Fatal(err)
	}
	if res.ScoredFrames != 151 || len(res.Ego) < 171 || len(res.Ego) > 172 || len(res.Objects) != len(res.Ego) {
		t.Fatalf("scored %d frames of %d (objects %d), want 151 of about 171", res.ScoredFrames, len(res.Ego), len(res.Objects))
	}
	if last := res.Ego[len(res.Ego)-1].Pose.X; last < 180 || last > 181.1 {
		t.Errorf("overtime stopped at x = %.1f, want just past 180", last)
	}
	if res.Metrics != base.Metrics {
		t.Errorf("overtime changed the metrics: %+v, want %+v", res.Metrics, base.Metrics)
	}
	capped, err := Run(sc, planner.NewLogReplay(sc), Config{Overtime: 5, Until: reach})
	if err != nil {
		t.Fatal(err)
	}
	if len(capped.Ego) != 156 {
		t.Errorf("overtime capped at 5 steps ran %d frames, want 156", len(capped.Ego))
	}
	// A condition met once inside the horizon (the goal passed through) needs no overtime.
	passed := func(e dynamics.State) bool { return e.Pose.X >= 100 && e.Pose.X < 101.5 }
	met, err := Run(sc, planner.NewLogReplay(sc), Config{Overtime: 50, Until: passed})
	if err != nil {
		t.Fatal(err)
	}
	if len(met.Ego) != 151 {
		t.Errorf("a condition met inside the horizon ran %d frames, want the 151 of the horizon", len(met.Ego))
	}
	if _, err := New(sc, planner.NewLogReplay(sc), Config{Overtime: -1}); err == nil {
		t.Error("negative overtime accepted")
	}
	if res.UnscoredAtFaultCollisions != 0 || res.FirstUnscoredAtFault != -1 {
		t.Errorf("clear overtime: %d unscored at-fault collisions, first at frame %d", res.UnscoredAtFaultCollisions, res.FirstUnscoredAtFault)
	}
}

// TestOvertimeCollisionsAreCounted: a crash after the scored horizon is not in the metrics, but the result
// counts it and says when it came.
func TestOvertimeCollisionsAreCounted(t *testing.T) {
	sc := testScenario()                                           // the expert passes x = 160 at 15 s at 10 m/s
	sc.Tracks = append(sc.Tracks, track("parked", 176, 0, 0, 231)) // its front reaches the parked car at about 16 s
	reach := func(e dynamics.State) bool { return e.Pose.X >= 180 }
	res, err := Run(sc, planner.NewLogReplay(sc), Config{Overtime: 50, Until: reach})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Metrics.AtFaultTotal(); n != 0 {
		t.Errorf("the scored horizon has %d at-fault collisions, want none", n)
	}
	if res.UnscoredAtFaultCollisions != 1 {
		t.Fatalf("%d unscored at-fault collisions, want the one with the parked car", res.UnscoredAtFaultCollisions)
	}
	if f := res.FirstUnscoredAtFault; f < res.ScoredFrames || f >= len(res.Ego) || math.Abs(res.Ego[f].Time-16) > 0.3 {
		t.Errorf("first unscored at-fault collision at frame %d (scored %d of %d), want about 16 s", f, res.ScoredFrames, len(res.Ego))
	}
}
