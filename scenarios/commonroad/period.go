package commonroad

import (
	"math"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// estimatePeriod measures the time between consecutive states from the motion itself: the distance the moving
// obstacles (both ends faster than 2 m/s) travel per step, divided by their mean speed. It falls back on the
// solution's states, and returns 0 when nothing moves.
func estimatePeriod(doc *document, sol *solution) float64 {
	var dist, speed float64
	for i := range doc.obstacles {
		st := doc.obstacles[i].states
		for j := 1; j < len(st); j++ {
			a, b := st[j-1], st[j]
			if b.step != a.step+1 || a.speed <= 2 || b.speed <= 2 {
				continue
			}
			dist += a.pos.Dist(b.pos)
			speed += (a.speed + b.speed) / 2
		}
	}
	if speed < 200 && sol != nil { // too little obstacle motion: use the ego's too
		for j := 1; j < len(sol.states); j++ {
			a, b := sol.states[j-1], sol.states[j]
			if b.step != a.step+1 || a.speed <= 2 || b.speed <= 2 {
				continue
			}
			dist += math.Hypot(b.x-a.x, b.y-a.y)
			speed += (a.speed + b.speed) / 2
		}
	}
	if speed < 20 {
		return 0
	}
	return dist / speed
}

// stepPeriod decides the period of the file's time steps: its timeStepSize, unless the motion says the steps
// are an integer multiple k >= 2 of it (within 10 %), as in converted recordings whose timeStepSize was not
// updated after downsampling.
func stepPeriod(dt, measured float64) (period float64, k int) {
	if measured <= 0 || !finite(measured) {
		return dt, 1
	}
	k = int(math.Round(measured / dt))
	if k >= 2 && k <= 20 && math.Abs(measured-float64(k)*dt) < 0.1*float64(k)*dt {
		return float64(k) * dt, k
	}
	return dt, 1
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// upsample resamples the expert and the tracks k times finer (cubic Hermite positions from the velocities,
// linear speed, heading and steering), so that a file whose steps are k x DT apart plays at DT.
func upsample(sc *scenarios.Scenario, k int) {
	if k <= 1 {
		return
	}
	P := sc.DT
	h := P / float64(k)
	exp := sc.Expert
	out := make([]scenarios.EgoState, 0, (len(exp)-1)*k+1)
	for i := 0; i+1 < len(exp); i++ {
		a, b := exp[i], exp[i+1]
		va := geom.Unit(a.Pose.Heading).Scale(a.Speed)
		vb := geom.Unit(b.Pose.Heading).Scale(b.Speed)
		for j := range k {
			f := float64(j) / float64(k)
			p := hermite(a.Pose.Pos(), va, b.Pose.Pos(), vb, f, P)
			out = append(out, scenarios.EgoState{
				Pose:     geom.Pose{X: p.X, Y: p.Y, Heading: geom.NormalizeAngle(a.Pose.Heading + f*geom.AngleDiff(b.Pose.Heading, a.Pose.Heading))},
				Speed:    a.Speed + f*(b.Speed-a.Speed),
				Steering: a.Steering + f*(b.Steering-a.Steering),
			})
		}
	}
	out = append(out, exp[len(exp)-1])
	for i := range out {
		if i+1 < len(out) {
			out[i].Accel = (out[i+1].Speed - out[i].Speed) / h
		} else if i > 0 {
			out[i].Accel = out[i-1].Accel
		}
	}
	sc.Expert = out
	for ti := range sc.Tracks {
		t := &sc.Tracks[ti]
		st := t.States
		ns := make([]scenarios.AgentState, 0, (len(st)-1)*k+1)
		for i := 0; i+1 < len(st); i++ {
			a, b := st[i], st[i+1]
			va, vb := geom.Vec2{X: a.VX, Y: a.VY}, geom.Vec2{X: b.VX, Y: b.VY}
			for j := range k {
				f := float64(j) / float64(k)
				p := hermite(a.Pose.Pos(), va, b.Pose.Pos(), vb, f, P)
				ns = append(ns, scenarios.AgentState{
					Pose: geom.Pose{X: p.X, Y: p.Y, Heading: geom.NormalizeAngle(a.Pose.Heading + f*trackHeadingDelta(a.Pose.Heading, b.Pose.Heading))},
					VX:   a.VX + f*(b.VX-a.VX), VY: a.VY + f*(b.VY-a.VY),
				})
			}
		}
		ns = append(ns, st[len(st)-1])
		t.States = ns
		t.Start *= k
	}
	sc.DT = h
}

// hermite interpolates between p0 and p1 with velocities v0 and v1 over a step of duration T, at fraction f.
func hermite(p0, v0, p1, v1 geom.Vec2, f, T float64) geom.Vec2 {
	f2, f3 := f*f, f*f*f
	h00 := 2*f3 - 3*f2 + 1
	h10 := f3 - 2*f2 + f
	h01 := -2*f3 + 3*f2
	h11 := f3 - f2
	return p0.Scale(h00).Add(v0.Scale(h10 * T)).Add(p1.Scale(h01)).Add(v1.Scale(h11 * T))
}
