package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

func TestDrivableArea(t *testing.T) {
	// Ego stands in lane A with its right corners `out` metres beyond A's right edge (y = -1.75), where
	// there is no drivable area.
	for _, c := range []struct {
		out  float64
		want float64
	}{
		{0, 1}, {0.25, 1}, {0.29, 1}, {0.31, 0}, {0.35, 0}, {2, 0},
	} {
		y := -laneHalfWidth - c.out + pacifica.Width/2
		r := newRun(t, straightRun(5, 20, y, 0))
		res := Evaluate(r)
		if res.DrivableAreaCompliance != c.want {
			t.Errorf("corner %.2f m outside: drivable_area_compliance %v, want %v", c.out, res.DrivableAreaCompliance, c.want)
		}
		if !near(res.MaxDrivableViolation, c.out, 1e-9) {
			t.Errorf("corner %.2f m outside: violation %v", c.out, res.MaxDrivableViolation)
		}
	}
	// Kernel: a box fully in lane B, and one straddling A and B, are inside.
	m := testMap(t)
	for _, y := range []float64{3.5, 1.75} {
		if v := DrivableViolation(m, pacifica.Footprint(geom.Pose{X: 50, Y: y})); v != 0 {
			t.Errorf("box at y=%v: violation %v, want 0", y, v)
		}
	}
	// Front bumpers 2 m past the ends of lanes: D ends at the edge of the map (x=220, nothing beyond), where
	// the road goes on; B ends at x=100 beside the connector C, where it does not.
	for _, c := range []struct {
		end, y, want float64
	}{{220, 0, 0}, {100, 3.5, 2}} {
		box := pacifica.Footprint(geom.Pose{X: c.end + 2 - pacifica.FrontLength, Y: c.y})
		if v := DrivableViolation(m, box); !near(v, c.want, 1e-6) {
			t.Errorf("front 2 m past the end at x=%v, y=%v: violation %v, want %v", c.end, c.y, v, c.want)
		}
	}
}

// againstRun returns a run in lane A where ego stands for 4 frames, moves `step` metres per frame towards -x
// (against A's direction) for 10 frames, then stands for 6 frames.
func againstRun(t *testing.T, step float64) *Run {
	var ego []dynamics.State
	x := 60.0
	for i := range 20 {
		v := 0.0
		if i >= 4 && i < 14 {
			x -= step
			v = step / 0.1
		}
		ego = append(ego, egoAt(i, x, 0, math.Pi, v))
	}
	return newRun(t, ego)
}

func TestDrivingDirection(t *testing.T) {
	for _, c := range []struct {
		step, want float64
	}{
		{0.15, 1},   // 1.5 m against the lane within 1 s
		{0.19, 1},   // 1.9 m
		{0.21, 0.5}, // 2.1 m
		{0.3, 0.5},  // 3 m
		{0.59, 0.5}, // 5.9 m
		{0.61, 0},   // 6.1 m
		{0.7, 0},    // 7 m
	} {
		res := Evaluate(againstRun(t, c.step))
		if res.DrivingDirectionCompliance != c.want {
			t.Errorf("%.2f m/frame against the lane: driving_direction_compliance %v, want %v (min progress %v)",
				c.step, res.DrivingDirectionCompliance, c.want, res.MinDirectionProgress)
		}
		if !near(res.MinDirectionProgress, -10*c.step, 1e-9) {
			t.Errorf("%.2f m/frame: min progress %v, want %v", c.step, res.MinDirectionProgress, -10*c.step)
		}
	}
	// Forward driving never scores below 1.
	if res := Evaluate(newRun(t, straightRun(50, 10, 0, 10))); res.DrivingDirectionCompliance != 1 || res.MinDirectionProgress != 0 {
		t.Errorf("forward: %v, min progress %v", res.DrivingDirectionCompliance, res.MinDirectionProgress)
	}
	// The window is nuPlan's progress[i-10 : i+1]: eleven per-frame values, so 0.25 m/frame held for
	// longer than a second sums to 2.75 m.
	var d DirectionTracker
	d.Reset(10)
	m := testMap(t)
	a := lane(t, m, "A")
	x := 50.0
	for range 30 {
		d.Step(m, a, geom.V(x, 0))
		x -= 0.25
	}
	if !near(d.MinProgress(), -2.75, 1e-9) {
		t.Errorf("steady 0.25 m/frame backwards: min window progress %v, want -2.75", d.MinProgress())
	}
	// nuPlan's quirk: a frame whose clamped arc length is exactly 0 (before the lane's start) adds nothing,
	// and the next one measures from 0.
	d.Reset(10)
	d_ := lane(t, m, "D")
	for _, x := range []float64{121, 120.5, 119.5, 119} {
		d.Step(m, d_, geom.V(x, 0))
	}
	if !near(d.MinProgress(), -0.5, 1e-9) {
		t.Errorf("reversing past the lane start: min window progress %v, want -0.5", d.MinProgress())
	}
	for _, c := range []struct{ min, want float64 }{{0, 1}, {-1.99, 1}, {-2, 0.5}, {-5.99, 0.5}, {-6, 0}} {
		if got := DirectionScore(c.min, 2, 6); got != c.want {
			t.Errorf("DirectionScore(%v) = %v, want %v", c.min, got, c.want)
		}
	}
}

func TestProgressRatio(t *testing.T) {
	for _, c := range []struct {
		ego, expert, want float64
	}{
		{20, 40, 0.5},
		{40, 40, 1},
		{60, 40, 1},   // capped
		{0.5, 1.5, 1}, // both under the 2 m floor
		{1, 20, 0.1},  // floor: 2/20
		{0, 20, 0.1},
		{-1.9, 20, 0.1}, // small negative: floored
		{-2.1, 20, 0},   // went back more than 2 m
		{10, 0, 1},      // expert stood still
	} {
		if got := ProgressRatio(c.ego, c.expert, 2); !near(got, c.want, 1e-12) {
			t.Errorf("ProgressRatio(%v, %v) = %v, want %v", c.ego, c.expert, got, c.want)
		}
	}
	for _, c := range []struct{ ratio, want float64 }{{0.2, 1}, {0.19, 0}, {1, 1}, {0, 0}} {
		if got := MakingProgressScore(c.ratio, 0.2); got != c.want {
			t.Errorf("MakingProgressScore(%v) = %v, want %v", c.ratio, got, c.want)
		}
	}
}

func TestProgressAlongExpertRoute(t *testing.T) {
	cases := []struct {
		name                  string
		egoV, expertV         float64
		frames                int
		wantEgo, wantExpert   float64
		wantRatio, wantMaking float64
	}{
		{"half the expert's progress", 5, 10, 21, 10, 20, 0.5, 1},
		{"as far as the expert", 10, 10, 21, 20, 20, 1, 1},
		{"under the 2 m floor", 0.5, 0.75, 21, 1, 1.5, 1, 1},
		{"standing while the expert drives", 0, 10, 21, 0, 20, 0.1, 0},
		{"backwards", -1.5, 10, 21, -3, 20, 0, 0},
	}
	for _, c := range cases {
		r := newRun(t, straightRun(c.frames, 20, 0, c.egoV))
		r.Expert = straightRun(c.frames, 20, 0, c.expertV)
		res := Evaluate(r)
		if !near(res.EgoProgress, c.wantEgo, 1e-9) || !near(res.ExpertProgress, c.wantExpert, 1e-9) {
			t.Errorf("%s: progress ego %v expert %v, want %v %v", c.name, res.EgoProgress, res.ExpertProgress, c.wantEgo, c.wantExpert)
		}
		if !near(res.ProgressAlongExpertRoute, c.wantRatio, 1e-9) || res.MakingProgress != c.wantMaking {
			t.Errorf("%s: ratio %v making %v, want %v %v", c.name, res.ProgressAlongExpertRoute, res.MakingProgress, c.wantRatio, c.wantMaking)
		}
	}
	// Across roadblocks: A -> connector C -> D, 40 m; and an expert that never touches a lane scores 1.
	r := newRun(t, straightRun(41, 90, 0, 10))
	if res := Evaluate(r); !near(res.EgoProgress, 40, 1e-9) || res.RouteRoadblocks != 3 {
		t.Errorf("through the connector: progress %v over %d roadblocks, want 40 over 3", res.EgoProgress, res.RouteRoadblocks)
	}
	r = newRun(t, straightRun(21, 20, 0, 5))
	r.Expert = straightRun(21, 20, 50, 10) // far off the map
	if res := Evaluate(r); res.ProgressAlongExpertRoute != 1 || res.RouteRoadblocks != 0 {
		t.Errorf("expert off the lanes: ratio %v, %d roadblocks, want 1 and 0", res.ProgressAlongExpertRoute, res.RouteRoadblocks)
	}
}

func TestRouteProgressSkipsRoadblocks(t *testing.T) {
	m := testMap(t)
	rp := NewRouteProgress(m, []int{lane(t, m, "A"), lane(t, m, "B"), lane(t, m, "C"), lane(t, m, "D")})
	if rp.Len() != 3 {
		t.Fatalf("A and B share a roadblock: %d blocks, want 3", rp.Len())
	}
	// One jump from A over the whole connector into D: 2 m of A, 20 m of C, 5 m of D.
	rp.Reset(geom.V(98, 0))
	if got := rp.Step(geom.V(125, 0)); !near(got, 27, 1e-9) {
		t.Errorf("jump over the connector: %v, want 27", got)
	}
	// Leaving the route and coming back: nothing while away, the rest on return.
	rp.Reset(geom.V(10, 0))
	if got := rp.Step(geom.V(20, 30)); got != 0 {
		t.Errorf("off the route: %v, want 0", got)
	}
	if got := rp.Step(geom.V(30, 0)); !near(got, 20, 1e-9) {
		t.Errorf("back on the route: %v, want 20", got)
	}
	// In the neighbouring lane of the same roadblock, progress follows A's baseline.
	rp.Reset(geom.V(10, 3.5))
	if got := rp.Step(geom.V(15, 3.5)); !near(got, 5, 1e-9) {
		t.Errorf("in lane B: %v, want 5", got)
	}
}

func TestTTCKernel(t *testing.T) {
	rear := geom.Pose{X: 0, Y: 0, Heading: 0}
	box := pacifica.Footprint(rear)
	ego := TTCEgo{Rear: rear, Box: box, Speed: 10}
	// A stopped car whose rear is `gap` metres ahead of ego's front bumper; ego at 10 m/s.
	stopped := func(gap float64) []scenarios.Object {
		return []scenarios.Object{car("v", egoFront(0)+gap+2.25, 0, 0, 0, 0)}
	}
	for _, c := range []struct {
		gap, want float64
	}{
		{0.5, 0.1},
		{8.5, 0.9},
		{9.5, 1.0},
		{28.5, 2.9},
		{29.5, math.Inf(1)}, // beyond the last step (2.9 s)
	} {
		got := FrameTTC(ego, stopped(c.gap), nil, 0.1, 3, 5e-3)
		if !near(got, c.want, 1e-9) && !(math.IsInf(got, 1) && math.IsInf(c.want, 1)) {
			t.Errorf("gap %v m at 10 m/s: TTC %v, want %v", c.gap, got, c.want)
		}
	}
	if got := TTCScore(0.9, 0.95); got != 0 {
		t.Errorf("TTC 0.9 s: %v, want 0", got)
	}
	if got := TTCScore(1.0, 0.95); got != 1 {
		t.Errorf("TTC 1.0 s: %v, want 1", got)
	}
	if got := TTCScore(0.95, 0.95); got != 0 {
		t.Errorf("TTC 0.95 s: %v, want 0 (strict)", got)
	}
	// Exclusions: ego stopped; object behind; object already collided (skip); object 60 degrees to the side
	// only when ego is not in its lane.
	if got := FrameTTC(TTCEgo{Rear: rear, Box: box, Speed: 0.004}, stopped(0.5), nil, 0.1, 3, 5e-3); !math.IsInf(got, 1) {
		t.Errorf("ego stopped: %v, want +Inf", got)
	}
	behind := []scenarios.Object{car("v", -8, 0, 0, 20, 0)}
	if got := FrameTTC(ego, behind, nil, 0.1, 3, 5e-3); !math.IsInf(got, 1) {
		t.Errorf("fast car behind: %v, want +Inf", got)
	}
	if got := FrameTTC(ego, stopped(0.5), []bool{true}, 0.1, 3, 5e-3); !math.IsInf(got, 1) {
		t.Errorf("collided object: %v, want +Inf", got)
	}
	// A car 12 m ahead and 8 m to the left (34 degrees off ego's heading), crossing ego's path at 5 m/s: its
	// near end reaches ego's side after 10 steps, when ego's front has passed under it.
	side := []scenarios.Object{car("v", 12, 8, -math.Pi/2, 0, -5)}
	if got := FrameTTC(ego, side, nil, 0.1, 3, 5e-3); !math.IsInf(got, 1) {
		t.Errorf("crossing car to the side, ego in lane: %v, want +Inf", got)
	}
	lat := ego
	lat.Lateral = true
	if got := FrameTTC(lat, side, nil, 0.1, 3, 5e-3); !near(got, 1.0, 1e-9) {
		t.Errorf("crossing car to the side, ego straddling: %v, want 1.0", got)
	}
	if TTCSteps(0.1, 3) != 29 {
		t.Errorf("TTCSteps(0.1, 3) = %d, want 29", TTCSteps(0.1, 3))
	}
}

func TestTTCEvaluate(t *testing.T) {
	// One frame of ego at 10 m/s behind a stopped car whose rear is 8.5 m (TTC 0.9 s: fail) or 9.5 m
	// (1.0 s: pass) ahead of ego's front; over three frames the 9.5 m gap closes to TTC 0.8 s: fail.
	for _, c := range []struct {
		gap, want, ttc float64
		frames         int
	}{{8.5, 0, 0.9, 1}, {9.5, 1, 1.0, 1}, {9.5, 0, 0.8, 3}} {
		r := newRun(t, straightRun(c.frames, 20, 0, 10))
		placeEvery(r, func(int) scenarios.Object { return car("v", egoFront(20)+c.gap+2.25, 0, 0, 0, 0) })
		res := Evaluate(r)
		if res.TimeToCollisionWithinBound != c.want || !near(res.MinTTC, c.ttc, 1e-9) {
			t.Errorf("gap %v: TTC score %v (min %v), want %v (min %v)", c.gap, res.TimeToCollisionWithinBound, res.MinTTC, c.want, c.ttc)
		}
		if res.MinTTCObject != "v" || res.MinTTCFrame != c.frames-1 {
			t.Errorf("gap %v: min TTC to %q at frame %d, want to the car v at frame %d", c.gap, res.MinTTCObject, res.MinTTCFrame, c.frames-1)
		}
	}
	// No object ahead: no TTC, and no object named.
	r := newRun(t, straightRun(1, 20, 0, 10))
	if res := Evaluate(r); !math.IsInf(res.MinTTC, 1) || res.MinTTCObject != "" {
		t.Errorf("free road: min TTC %v to %q, want +Inf to none", res.MinTTC, res.MinTTCObject)
	}
}

func TestSpeedLimit(t *testing.T) {
	m := testMap(t)
	// Kernel: lane limits, and the connector's limit from its neighbours (max(A 10, D 12) = 12, not C's 5).
	for _, c := range []struct {
		p    geom.Vec2
		want float64
		ok   bool
	}{
		{geom.V(50, 0), 10, true},
		{geom.V(110, 0), 12, true},
		{geom.V(150, 0), 12, true},
		{geom.V(50, 30), 0, false},
	} {
		var tr LaneTracker
		prim := tr.Step(m, c.p)
		lim, ok := SpeedLimitOf(m, tr.Lanes(), prim)
		if lim != c.want || ok != c.ok {
			t.Errorf("limit at %v: %v %v, want %v %v", c.p, lim, ok, c.want, c.ok)
		}
	}
	// 101 frames in lane A (limit 10): 11 frames at 11 m/s, the rest at 9: the overspeed integral is
	// 11*1*0.1 = 1.1 m; score 1 - 1.1/(2.23*10) = 0.950673...
	ego := make([]dynamics.State, 101)
	for i := range ego {
		v := 9.0
		if i >= 30 && i < 41 {
			v = 11
		}
		ego[i] = egoAt(i, 50, 0, 0, v)
	}
	res := Evaluate(newRun(t, ego))
	want := 1 - 1.1/(2.23*10)
	if !near(res.SpeedLimitCompliance, want, 1e-12) || !near(res.OverspeedIntegral, 1.1, 1e-12) || !near(res.MaxOverspeed, 1, 1e-12) {
		t.Errorf("speed_limit_compliance %v (integral %v, max %v), want %v (1.1, 1)", res.SpeedLimitCompliance, res.OverspeedIntegral, res.MaxOverspeed, want)
	}
	for _, c := range []struct {
		sum    float64
		frames int
		want   float64
	}{
		{0, 151, 1}, {2.23 * 150, 151, 0}, {2.23 * 75, 151, 0.5}, {1000, 151, 0}, {5, 1, 1},
	} {
		if got := SpeedLimitScore(c.sum, c.frames, 2.23); !near(got, c.want, 1e-12) {
			t.Errorf("SpeedLimitScore(%v, %d) = %v, want %v", c.sum, c.frames, got, c.want)
		}
	}
}

func TestSavGolMatchesScipy(t *testing.T) {
	// scipy.signal.savgol_filter([2, 2, 5, 2, 1, 0, 1, 4, 9], 5, 2) from scipy's documentation: the exact
	// values are the least-squares fits, e.g. (-3*2+12*2+17*5+12*2-3*1)/35 = 124/35 in the middle.
	x := []float64{2, 2, 5, 2, 1, 0, 1, 4, 9}
	want := []float64{1.66, 3.17, 3.54, 2.86, 0.66, 0.17, 1, 4, 9}
	got := make([]float64, len(x))
	if !SavGol(got, x, 5, 2, 0, 1) {
		t.Fatal("SavGol failed")
	}
	for i := range x {
		if !near(got[i], want[i], 0.005) {
			t.Errorf("savgol[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if !near(got[2], 124.0/35, 1e-12) {
		t.Errorf("savgol[2] = %v, want 124/35", got[2])
	}
	// savgol_coeffs(4, 2, pos=3, deriv=1, use='dot') = [0.45, -0.85, -0.65, 1.05] (scipy documentation).
	h := make([]float64, 4)
	savgolCoeffs(h, 4, 2, 1, 1, 3)
	for i, w := range []float64{0.45, -0.85, -0.65, 1.05} {
		if !near(h[i], w, 1e-12) {
			t.Errorf("coeffs[%d] = %v, want %v", i, h[i], w)
		}
	}
	// Polynomials up to the order are reproduced; an even window evaluates half a sample late inside the
	// series (scipy's convention) and exactly at the ends.
	lin := make([]float64, 20)
	for i := range lin {
		lin[i] = 3 * float64(i)
	}
	SavGol(got[:0:0], lin, 8, 2, 0, 1) // too short a dst: refused
	out := make([]float64, 20)
	SavGol(out, lin, 8, 2, 0, 1)
	for i := range lin {
		w := lin[i]
		if i >= 4 && i < 16 {
			w += 1.5
		}
		if !near(out[i], w, 1e-9) {
			t.Errorf("even window on a line: [%d] = %v, want %v", i, out[i], w)
		}
	}
	quad := make([]float64, 20)
	for i := range quad {
		ti := float64(i) * 0.1
		quad[i] = 2 * ti * ti
	}
	SavGol(out, quad, 15, 2, 1, 0.1)
	for i := range quad {
		if w := 4 * float64(i) * 0.1; !near(out[i], w, 1e-9) {
			t.Errorf("derivative of 2t^2: [%d] = %v, want %v", i, out[i], w)
		}
	}
	if SavGol(out, quad[:2], 5, 2, 0, 1) {
		t.Error("a window of 2 samples cannot fit order 2")
	}
}

// comfortRaw builds n raw comfort series, each a function of the frame's time.
func comfortRaw(n int, lon, lat, mag, head func(t float64) float64) (a, b, c, d []float64) {
	a, b, c, d = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		t := float64(i) * 0.1
		a[i], b[i], c[i], d[i] = lon(t), lat(t), mag(t), head(t)
	}
	return
}

func TestComfortBounds(t *testing.T) {
	zero := func(float64) float64 { return 0 }
	konst := func(v float64) func(float64) float64 { return func(float64) float64 { return v } }
	ramp := func(a0, k float64) func(float64) float64 { return func(t float64) float64 { return a0 + k*t } }
	type series struct{ lon, lat, mag, head func(float64) float64 }
	cases := []struct {
		name   string
		s      series
		failed string // the one quantity out of bounds, "" for none
	}{
		{"still", series{zero, zero, zero, zero}, ""},
		{"braking -4.0", series{konst(-4.0), zero, konst(4.0), zero}, ""},
		{"braking -4.1", series{konst(-4.1), zero, konst(4.1), zero}, "lon_accel"},
		{"accelerating 2.3", series{konst(2.3), zero, konst(2.3), zero}, ""},
		{"accelerating 2.5", series{konst(2.5), zero, konst(2.5), zero}, "lon_accel"},
		{"lateral 4.8", series{zero, konst(4.8), konst(4.8), zero}, ""},
		{"lateral -5", series{zero, konst(-5), konst(5), zero}, "lat_accel"},
		// Jerk of the magnitude: |a| rising at 6 m/s^3 passes, at 9 fails; lon jerk stays 0.
		{"jerk 6", series{zero, ramp(0, 6), ramp(0, 6), zero}, ""},
		{"jerk 9", series{zero, ramp(-4.5, 9), func(t float64) float64 { return 0.5 + 9*t }, zero}, "jerk"},
		// Longitudinal jerk: 4 passes, 5 fails (magnitude jerk 5 < 8.37).
		{"lon jerk 4", series{ramp(-2, 4), zero, ramp(0.1, 4), zero}, ""},
		{"lon jerk 5", series{ramp(-2, 5), zero, ramp(0.1, 5), zero}, "lon_jerk"},
		{"yaw rate 0.9", series{zero, zero, zero, ramp(0, 0.9)}, ""},
		{"yaw rate -1.0", series{zero, zero, zero, ramp(3, -1.0)}, "yaw_rate"},
		// Yaw acceleration: heading 0.9 t^2 (accel 1.8 passes), 1.0 t^2 (2.0 fails), yaw rate stays < 0.95.
		{"yaw accel 1.8", series{zero, zero, zero, func(t float64) float64 { return -0.45*t + 0.9*t*t }}, ""},
		{"yaw accel 2.0", series{zero, zero, zero, func(t float64) float64 { return -0.45*t + 1.0*t*t }}, "yaw_accel"},
	}
	var buf ComfortBuffer
	for _, c := range cases {
		n := 5 // 0.5 s: keeps the ramps within the other bounds
		lon, lat, mag, head := comfortRaw(n, c.s.lon, c.s.lat, c.s.mag, c.s.head)
		r := ComfortSeries(lon, lat, mag, head, 0.1, DefaultComfortBounds, &buf)
		got := map[string]bool{
			"lon_accel": !r.LonAccelOK, "lat_accel": !r.LatAccelOK, "jerk": !r.JerkOK,
			"lon_jerk": !r.LonJerkOK, "yaw_rate": !r.YawRateOK, "yaw_accel": !r.YawAccelOK,
		}
		for k, bad := range got {
			if bad != (k == c.failed) {
				t.Errorf("%s: %s out of bounds = %v (%+v)", c.name, k, bad, r)
			}
		}
		if r.Comfortable() != (c.failed == "") {
			t.Errorf("%s: comfortable %v", c.name, r.Comfortable())
		}
		// Violations names the same quantity, with the run's extreme beyond the bound it broke.
		v := r.Violations(DefaultComfortBounds)
		switch {
		case c.failed == "" && len(v) != 0:
			t.Errorf("%s: violations %+v, want none", c.name, v)
		case c.failed != "" && (len(v) != 1 || v[0].Name != c.failed || math.Abs(v[0].Value) < math.Abs(v[0].Bound)):
			t.Errorf("%s: violations %+v, want %s beyond its bound", c.name, v, c.failed)
		}
	}
}

func TestComfortFromStates(t *testing.T) {
	// A steady turn at 10 m/s with yaw rate 0.3: lateral acceleration 3 m/s^2, comfortable. At 0.6 rad/s the
	// lateral acceleration is 6 m/s^2: not comfortable. Headings follow the yaw rate.
	for _, c := range []struct {
		w    float64
		want float64
	}{{0.3, 1}, {0.6, 0}} {
		ego := make([]dynamics.State, 30)
		for i := range ego {
			ego[i] = egoAt(i, 0, 0, c.w*0.1*float64(i), 10)
			ego[i].YawRate = c.w
		}
		var buf ComfortBuffer
		r := Comfort(ego, pacifica, 0.1, DefaultComfortBounds, &buf)
		if ComfortScore(r) != c.want {
			t.Errorf("yaw rate %v at 10 m/s: comfortable %v, want %v (%+v)", c.w, ComfortScore(r), c.want, r)
		}
		if !near(r.MaxAbsLatAccel, 10*c.w, 1e-6) || !near(r.MaxAbsYawRate, c.w, 1e-6) {
			t.Errorf("yaw rate %v: lat accel %v yaw rate %v", c.w, r.MaxAbsLatAccel, r.MaxAbsYawRate)
		}
		// Centripetal: the centre's longitudinal acceleration is -w^2 d.
		if want := -c.w * c.w * pacifica.RearAxleToCenter(); !near(r.MinLonAccel, want, 1e-6) {
			t.Errorf("yaw rate %v: lon accel %v, want %v", c.w, r.MinLonAccel, want)
		}
	}
	// Headings wrapping through +-pi do not read as a spin.
	ego := make([]dynamics.State, 20)
	for i := range ego {
		ego[i] = egoAt(i, 0, 0, geom.NormalizeAngle(math.Pi-0.5+0.05*float64(i)), 0)
	}
	var buf ComfortBuffer
	if r := Comfort(ego, pacifica, 0.1, DefaultComfortBounds, &buf); !near(r.MaxAbsYawRate, 0.5, 1e-6) {
		t.Errorf("wrapping heading: yaw rate %v, want 0.5", r.MaxAbsYawRate)
	}
}

// TestIsComfortableAgreesWithComfort checks the verdict-only kernel against the full one on random drives
// (acceleration and yaw rate wandering, some calmly, some violently).
func TestIsComfortableAgreesWithComfort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var full, quick ComfortBuffer
	seen := map[bool]int{}
	for trial := 0; trial < 3000; trial++ {
		n := 5 + rng.IntN(40)
		scale := []float64{0.05, 0.3, 1, 3}[trial%4]
		ego := make([]dynamics.State, n)
		v, a, w, h := 5+10*rng.Float64(), 0.0, 0.0, rng.Float64()*6
		for i := range ego {
			a += scale * rng.NormFloat64()
			w += 0.1 * scale * rng.NormFloat64()
			v += 0.1 * a
			h += 0.1 * w
			ego[i] = egoAt(i, 0, 0, geom.NormalizeAngle(h), v)
			ego[i].Accel, ego[i].YawRate = a, w
		}
		want := Comfort(ego, pacifica, 0.1, DefaultComfortBounds, &full).Comfortable()
		if got := IsComfortable(ego, pacifica, 0.1, DefaultComfortBounds, &quick); got != want {
			t.Fatalf("trial %d: IsComfortable %v, Comfort says %v", trial, got, want)
		}
		seen[want]++
	}
	if seen[true] < 100 || seen[false] < 100 {
		t.Fatalf("drives comfortable / not: %d / %d; want both well represented", seen[true], seen[false])
	}
}

func TestScore(t *testing.T) {
	if got := Score([4]float64{1, 1, 1, 1}, [4]float64{1, 0, 1, 1}); !near(got, 11.0/16, 1e-15) {
		t.Errorf("Score(1111, 1011) = %v, want 11/16", got)
	}
	if got := Score([4]float64{1, 1, 1, 1}, [4]float64{1, 1, 1, 1}); got != 1 {
		t.Errorf("perfect: %v", got)
	}
	if got := Score([4]float64{0.5, 1, 1, 1}, [4]float64{1, 1, 1, 1}); got != 0.5 {
		t.Errorf("one cone: %v, want 0.5", got)
	}
	if got := Score([4]float64{1, 1, 0.5, 1}, [4]float64{0.5, 1, 0.75, 0}); !near(got, 0.5*(2.5+5+3)/16, 1e-15) {
		t.Errorf("mixed: %v", got)
	}
	if got := Score([4]float64{1, 0, 1, 1}, [4]float64{1, 1, 1, 1}); got != 0 {
		t.Errorf("off-road: %v, want 0", got)
	}
	// PDM-Closed's proposal score: (5 progress + 5 TTC + 2 comfort)/12.
	if got := WeightedScore([]float64{1, 1, 1}, []float64{1, 0, 1}, []float64{5, 5, 2}); !near(got, 7.0/12, 1e-15) {
		t.Errorf("PDM weights: %v, want 7/12", got)
	}
	if got := WeightedScore(nil, nil, nil); got != 0 {
		t.Errorf("no weights: %v, want 0", got)
	}
	types := []string{"b", "a", "b", "b"}
	per, all := Aggregate(types, []float64{1, 0.5, 0, 0.5})
	if len(per) != 2 || per[0].Type != "a" || per[0].Score != 0.5 || per[1].N != 3 || !near(per[1].Score, 0.5, 1e-15) || all != 0.5 {
		t.Errorf("Aggregate: %+v %v", per, all)
	}
}

// laneChangeRun drives at 5 m/s in lane A, moves the centre sideways to y=top over frames 10-29 and, when
// back is set, returns to lane A over frames 30-49.
func laneChangeRun(t *testing.T, top float64, back bool) *Run {
	n := 60
	ego := make([]dynamics.State, n)
	for i := range ego {
		y := 0.0
		switch {
		case i >= 10 && i < 30:
			y = top * float64(i-10) / 20
		case i >= 30:
			y = top
			if back {
				y = top * math.Max(0, 1-float64(i-30)/20)
			}
		}
		ego[i] = egoAt(i, 10+0.5*float64(i), y, 0, 5)
	}
	return newRun(t, ego)
}

func TestLaneChangeLeftOutOfScore(t *testing.T) {
	done := Evaluate(laneChangeRun(t, 3.5, false))
	if done.LaneChanges != 1 || done.FailedLaneChanges != 0 || done.LaneChange != 1 {
		t.Errorf("A to B: %d lane changes, %d failed, score %v; want 1, 0, 1", done.LaneChanges, done.FailedLaneChanges, done.LaneChange)
	}
	aborted := Evaluate(laneChangeRun(t, 1.75, true))
	if aborted.LaneChanges != 1 || aborted.FailedLaneChanges != 1 || aborted.LaneChange != 0 {
		t.Errorf("A to A: %d lane changes, %d failed, score %v; want 1, 1, 0", aborted.LaneChanges, aborted.FailedLaneChanges, aborted.LaneChange)
	}
	// By default the failed lane change does not touch the score (as in nuPlan, whose ego_lane_change has no
	// score); with weight 1 it costs 1/17.
	if aborted.Score != 1 || done.Score != 1 {
		t.Errorf("default scores %v and %v, want 1 and 1 (%+v)", done.Score, aborted.Score, aborted)
	}
	p := DefaultParams()
	p.Weights.LaneChange = 1
	if got := EvaluateWith(laneChangeRun(t, 1.75, true), p).Score; !near(got, 16.0/17, 1e-15) {
		t.Errorf("with lane change weight 1: %v, want 16/17", got)
	}
	if got := DefaultWeights.Score([4]float64{1, 1, 1, 1}, [4]float64{1, 0, 1, 1}, 0); !near(got, 11.0/16, 1e-15) {
		t.Errorf("default weights ignore the lane change score: %v", got)
	}
}

func TestEgoLaneStatus(t *testing.T) {
	m := testMap(t)
	for _, c := range []struct {
		name string
		rear geom.Pose
		want LaneStatus
	}{
		{"in A", geom.Pose{X: 50}, InLane},
		{"across A and B", geom.Pose{X: 50, Y: 1.75}, Straddling},
		{"half off the road", geom.Pose{X: 50, Y: -2}, Straddling},
		{"off the road", geom.Pose{X: 50, Y: -10}, Offroad},
		{"from A into the connector", geom.Pose{X: 98}, InLane},
		{"from the connector into D", geom.Pose{X: 118}, InLane},
	} {
		if _, got := EgoLaneStatus(m, pacifica.Footprint(c.rear)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValuesAndNames(t *testing.T) {
	r := Result{NoAtFaultCollisions: 1, DrivableAreaCompliance: 2, DrivingDirectionCompliance: 3, MakingProgress: 4,
		ProgressAlongExpertRoute: 5, TimeToCollisionWithinBound: 6, SpeedLimitCompliance: 7, Comfortable: 8}
	v := r.Values()
	if len(Names) != NumMetrics {
		t.Fatalf("%d names", len(Names))
	}
	for i, name := range Names {
		if r.Value(name) != v[i] || v[i] != float64(i+1) {
			t.Errorf("%s: Value %v, Values[%d] %v", name, r.Value(name), i, v[i])
		}
	}
	if !math.IsNaN(r.Value("nope")) {
		t.Error("unknown name should give NaN")
	}
}

func TestLogReplayScoresOne(t *testing.T) {
	// The expert itself, through the connector, with traffic in lane B: everything 1.
	r := newRun(t, straightRun(151, 20, 0, 8))
	placeEvery(r, func(i int) scenarios.Object { return car("b", 30+8*0.1*float64(i), 3.5, 0, 8, 0) })
	res := Evaluate(r)
	if res.Score != 1 || res.Values() != [NumMetrics]float64{1, 1, 1, 1, 1, 1, 1, 1} {
		t.Errorf("log replay: score %v, values %v (%+v)", res.Score, res.Values(), res)
	}
	if empty := Evaluate(&Run{}); empty.Score != 0 || empty.Frames != 0 {
		t.Errorf("empty run: %+v", empty)
	}
	noMap := newRun(t, straightRun(20, 20, 0, 8))
	noMap.Map = nil
	if res := Evaluate(noMap); res.Score != 1 {
		t.Errorf("without a map: %v, want 1", res.Score)
	}
}

func TestSavGolPlanMatchesSavGol(t *testing.T) {
	src := make([]float64, 37)
	for i := range src {
		src[i] = math.Sin(0.7*float64(i)) + 0.01*float64(i*i%7)
	}
	var p savgolPlan
	for _, n := range []int{37, 12, 8, 5, 4} {
		for _, c := range []struct{ w, poly, deriv int }{{8, 2, 0}, {15, 2, 1}, {5, 2, 1}, {5, 3, 2}, {7, 3, 0}} {
			want, got := make([]float64, n), make([]float64, n)
			okW := SavGol(want, src[:n], c.w, c.poly, c.deriv, 0.1)
			okG := p.filter(got, src[:n], c.w, c.poly, c.deriv, 0.1)
			if okW != okG {
				t.Errorf("n=%d %+v: SavGol %v, plan %v", n, c, okW, okG)
				continue
			}
			for i := range want {
				if okW && want[i] != got[i] {
					t.Errorf("n=%d %+v: [%d] SavGol %v, plan %v", n, c, i, want[i], got[i])
				}
			}
		}
	}
}

// PairTTC's closed form gives the same step as moving the boxes step by step and testing geom.Box.Overlaps.
func TestPairTTCMatchesStepping(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	naive := func(a geom.Box, da geom.Vec2, b geom.Box, db geom.Vec2, n int) float64 {
		for k := 1; k <= n; k++ {
			fk := float64(k)
			a2, b2 := a, b
			a2.Center.X, a2.Center.Y = a.Center.X+fk*da.X, a.Center.Y+fk*da.Y
			b2.Center.X, b2.Center.Y = b.Center.X+fk*db.X, b.Center.Y+fk*db.Y
			if a2.Overlaps(b2) {
				return fk * 0.1
			}
		}
		return math.Inf(1)
	}
	hits := 0
	for i := range 20000 {
		box := func() geom.Box {
			return geom.Box{
				Center: geom.Pose{X: rng.Float64()*24 - 12, Y: rng.Float64()*24 - 12, Heading: rng.Float64()*2*math.Pi - math.Pi},
				Length: 0.3 + rng.Float64()*6, Width: 0.3 + rng.Float64()*2.5,
			}
		}
		vel := func() geom.Vec2 { return geom.V(rng.Float64()*4-2, rng.Float64()*4-2) }
		a, b, da, db := box(), box(), vel(), vel()
		if i%5 == 0 {
			db = geom.Vec2{} // a standing object
		}
		want := naive(a, da, b, db, 29)
		got := PairTTC(a, da, b, db, 0.1, 29)
		if got != want && !(math.IsInf(got, 1) && math.IsInf(want, 1)) {
			t.Fatalf("case %d: PairTTC %v, stepping %v (%+v %+v %v %v)", i, got, want, a, b, da, db)
		}
		if !math.IsInf(want, 1) {
			hits++
		}
	}
	if hits < 1000 {
		t.Errorf("only %d of the random cases collide: the test is too weak", hits)
	}
}

func TestBoxesOverlapMatchesGeom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ego := pacifica.Footprint(geom.Pose{X: 1, Y: -2, Heading: 0.3})
	eb := NewEgoBox(ego)
	n := 0
	for range 20000 {
		b := geom.Box{
			Center: geom.Pose{X: rng.Float64()*16 - 7, Y: rng.Float64()*16 - 10, Heading: rng.Float64() * 2 * math.Pi},
			Length: 0.2 + rng.Float64()*6, Width: 0.2 + rng.Float64()*2.5,
		}
		want := ego.Overlaps(b)
		if got := BoxesOverlap(&eb, b); got != want {
			t.Fatalf("%+v: BoxesOverlap %v, geom %v", b, got, want)
		}
		if want {
			n++
		}
	}
	if n < 2000 {
		t.Errorf("only %d overlaps", n)
	}
}

// A nil work buffer is allowed: Comfort allocates one.
func TestComfortNilBuffer(t *testing.T) {
	states := make([]dynamics.State, 20)
	for i := range states {
		states[i] = dynamics.State{Time: float64(i) * 0.1, Pose: geom.Pose{X: float64(i)}, Speed: 10}
	}
	if c := Comfort(states, dynamics.Pacifica(), 0.1, DefaultComfortBounds, nil); !c.Comfortable() {
		t.Errorf("steady 10 m/s is not comfortable: %+v", c)
	}
}

// A violation says when it happened: accelerating at 3 m/s^2 from 2 s on breaks the longitudinal acceleration
// bound after 2 s, and the step's jerk breaks the jerk bounds around 2 s.
func TestComfortViolationFrames(t *testing.T) {
	zero := func(float64) float64 { return 0 }
	step := func(t float64) float64 {
		if t >= 2-1e-9 {
			return 3
		}
		return 0
	}
	lon, lat, mag, head := comfortRaw(40, step, zero, step, zero)
	r := ComfortSeries(lon, lat, mag, head, 0.1, DefaultComfortBounds, nil)
	vs := r.Violations(DefaultComfortBounds)
	if len(vs) == 0 {
		t.Fatalf("no violations for a 3 m/s^2 step: %+v", r)
	}
	for _, v := range vs {
		lo, hi := 15, 25
		if v.Name == "lon_accel" {
			lo, hi = 20, 39
		}
		if v.Frame < lo || v.Frame > hi {
			t.Errorf("%s %.3f at frame %d, want within frames %d-%d (the step is at frame 20)", v.Name, v.Value, v.Frame, lo, hi)
		}
	}
}
