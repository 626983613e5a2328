package scenarios

import (
	"fmt"
	"math"
	"strings"

	"asyncdrive/geom"
)

// Validate checks a scenario for everything the simulator and the metrics rely on: format version, finite
// numbers, well-formed geometry, unique ids and references that resolve. The error is a *FileError naming the
// element and the problem (the first one found).
func Validate(sc *Scenario) error {
	v := validator{}
	v.scenario(sc)
	if v.err != nil {
		return v.err
	}
	return nil
}

type validator struct{ err *FileError }

func (v *validator) fail(elem, format string, args ...any) {
	if v.err == nil {
		v.err = &FileError{Element: elem, Problem: fmt.Sprintf(format, args...)}
	}
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func (v *validator) points(elem string, pts []geom.Vec2, min int) {
	if len(pts) < min {
		v.fail(elem, "needs at least %d points, has %d", min, len(pts))
		return
	}
	for i, p := range pts {
		if !p.IsFinite() {
			v.fail(fmt.Sprintf("%s[%d]", elem, i), "point is not finite (%v, %v)", p.X, p.Y)
			return
		}
	}
}

// hasLength reports whether the polyline through pts has more than one distinct point.
func hasLength(pts []geom.Vec2) bool {
	pl := geom.NewPolyline(pts)
	return len(pl.Pts) > 1
}

func (v *validator) scenario(sc *Scenario) {
	if sc.Version != FormatVersion {
		v.fail("version", "unknown format version %d (this build reads version %d)", sc.Version, FormatVersion)
		return
	}
	if sc.ID == "" {
		v.fail("id", "missing")
	}
	if sc.Type == "" {
		v.fail("type", "missing")
	}
	if !finite(sc.DT) || sc.DT <= 0 || sc.DT > 1 {
		v.fail("dt", "must be in (0, 1] seconds, got %v", sc.DT)
	}
	if !finite(sc.Horizon) || sc.Horizon < 0 {
		v.fail("horizon", "must be a duration >= 0 seconds (0: the whole expert log), got %v", sc.Horizon)
	}
	if sc.Vehicle != nil {
		if err := sc.Vehicle.Validate(); err != nil {
			v.fail("ego_vehicle", "%v", err)
		}
	}
	lanes, roadblocks := v.mapElements(&sc.Map)
	if v.err != nil {
		return
	}
	if len(sc.Route) == 0 {
		v.fail("route", "empty: at least the start roadblock is needed")
	}
	for i, id := range sc.Route {
		if !roadblocks[id] {
			v.fail(fmt.Sprintf("route[%d]", i), "unknown roadblock %q", id)
		}
	}
	_ = lanes
	if !sc.Goal.IsFinite() {
		v.fail("goal", "pose is not finite")
	}
	if len(sc.Expert) < 2 {
		v.fail("expert", "needs at least 2 states, has %d", len(sc.Expert))
	}
	for i, e := range sc.Expert {
		if !finite(e.Pose.X, e.Pose.Y, e.Pose.Heading, e.Speed, e.Accel, e.Steering) {
			v.fail(fmt.Sprintf("expert[%d]", i), "state is not finite: %v", e)
			break
		}
	}
	ids := map[string]bool{}
	for i := range sc.Tracks {
		t := &sc.Tracks[i]
		elem := fmt.Sprintf("tracks[%d] (id %s)", i, t.ID)
		switch {
		case t.ID == "":
			v.fail(fmt.Sprintf("tracks[%d]", i), "missing id")
		case ids[t.ID]:
			v.fail(elem, "duplicate id")
		case !t.Type.Valid():
			v.fail(elem+".type", "unknown object type %q (want vehicle, pedestrian, bicycle or static)", t.Type)
		case !finite(t.Length, t.Width) || t.Length <= 0 || t.Width <= 0:
			v.fail(elem, "box size must be positive, got %v x %v", t.Length, t.Width)
		case t.Start < 0:
			v.fail(elem+".start", "negative frame %d", t.Start)
		case len(t.States) == 0:
			v.fail(elem+".states", "empty")
		}
		ids[t.ID] = true
		for j, s := range t.States {
			if !finite(s.Pose.X, s.Pose.Y, s.Pose.Heading, s.VX, s.VY) {
				v.fail(fmt.Sprintf("%s.states[%d]", elem, j), "state is not finite: %v", s)
				break
			}
		}
	}
	for i, in := range sc.Instructions {
		if !finite(in.T) || in.T < 0 || in.Text == "" {
			v.fail(fmt.Sprintf("instructions[%d]", i), "needs a time >= 0 and a text")
		}
	}
	if w := sc.GoalWindow; w != nil && (!finite(w.Start, w.End) || w.End < w.Start) {
		v.fail("goal_window", "needs finite times with start <= end, got [%v, %v]", w.Start, w.End)
	}
	if g := sc.GoalSpan; g != nil && (!finite(g.Behind, g.Ahead) || g.Behind < 0 || g.Ahead < 0) {
		v.fail("goal_span", "needs finite lengths >= 0, got behind %v, ahead %v", g.Behind, g.Ahead)
	}
	if sc.RouteShown < 0 || sc.RouteShown > len(sc.Route) {
		v.fail("route_shown", "must be between 0 and the route's %d roadblocks, got %d", len(sc.Route), sc.RouteShown)
	}
	for i, f := range sc.Flags {
		if f == "" || strings.ContainsAny(f, " \t\n") {
			v.fail(fmt.Sprintf("flags[%d]", i), "a flag is a name without spaces, got %q", f)
		}
	}
	if sc.StopZone != "" {
		found := false
		for _, a := range sc.Map.Areas {
			if a.ID == sc.StopZone {
				found = true
				if !a.Kind.Drivable() {
					v.fail("stop_zone", "area %q is a %s, not a drivable area", sc.StopZone, a.Kind)
				}
				break
			}
		}
		if !found {
			v.fail("stop_zone", "unknown map area %q", sc.StopZone)
		}
	}
}

// mapElements validates the map and returns the sets of lane and roadblock ids.
func (v *validator) mapElements(m *Map) (lanes, roadblocks map[string]bool) {
	lanes = map[string]bool{}
	roadblocks = map[string]bool{}
	if len(m.Lanes) == 0 {
		v.fail("map.lanes", "empty: a map needs at least one lane")
		return
	}
	for i := range m.Lanes {
		l := &m.Lanes[i]
		elem := fmt.Sprintf("map.lanes[%d] (id %s)", i, l.ID)
		if l.ID == "" {
			v.fail(fmt.Sprintf("map.lanes[%d]", i), "missing id")
		}
		if lanes[l.ID] {
			v.fail(elem, "duplicate lane id")
		}
		lanes[l.ID] = true
		v.points(elem+".centerline", l.Centerline, 2)
		if v.err == nil && !hasLength(l.Centerline) {
			v.fail(elem+".centerline", "has zero length (all its points coincide)")
		}
		v.points(elem+".left", l.Left, 2)
		v.points(elem+".right", l.Right, 2)
		if !finite(l.SpeedLimit) || l.SpeedLimit < 0 {
			v.fail(elem+".speed_limit", "must be >= 0 m/s, got %v", l.SpeedLimit)
		}
	}
	for i := range m.Roadblocks {
		rb := &m.Roadblocks[i]
		elem := fmt.Sprintf("map.roadblocks[%d] (id %s)", i, rb.ID)
		if rb.ID == "" || roadblocks[rb.ID] {
			v.fail(elem, "missing or duplicate roadblock id")
		}
		roadblocks[rb.ID] = true
		if len(rb.Lanes) == 0 {
			v.fail(elem+".lanes", "empty")
		}
		for _, id := range rb.Lanes {
			if !lanes[id] {
				v.fail(elem+".lanes", "unknown lane %q", id)
			}
		}
	}
	for i := range m.Lanes {
		l := &m.Lanes[i]
		elem := fmt.Sprintf("map.lanes[%d] (id %s)", i, l.ID)
		if !roadblocks[l.Roadblock] {
			v.fail(elem+".roadblock", "unknown roadblock %q", l.Roadblock)
		}
		for _, ref := range [][]string{l.Successors, l.Predecessors, {l.LeftNeighbor}, {l.RightNeighbor}} {
			for _, id := range ref {
				if id != "" && !lanes[id] {
					v.fail(elem, "refers to unknown lane %q", id)
				}
			}
		}
	}
	for i, s := range m.StopLines {
		elem := fmt.Sprintf("map.stop_lines[%d] (id %s)", i, s.ID)
		v.points(elem+".polygon", s.Polygon, 3)
		if s.Lane != "" && !lanes[s.Lane] {
			v.fail(elem+".lane", "unknown lane %q", s.Lane)
		}
		switch s.Kind {
		case StopTrafficLight, StopSign, StopCrosswalk:
		default:
			v.fail(elem+".kind", "unknown stop line kind %q", s.Kind)
		}
	}
	for i, c := range m.Crosswalks {
		v.points(fmt.Sprintf("map.crosswalks[%d] (id %s).polygon", i, c.ID), c.Polygon, 3)
	}
	for i, a := range m.Areas {
		elem := fmt.Sprintf("map.areas[%d] (id %s)", i, a.ID)
		v.points(elem+".polygon", a.Polygon, 3)
		switch a.Kind {
		case AreaCarpark, AreaPickupDropoff, AreaGenericDrivable, AreaWalkway:
		default:
			v.fail(elem+".kind", "unknown area kind %q", a.Kind)
		}
	}
	for i, tl := range m.TrafficLights {
		elem := fmt.Sprintf("map.traffic_lights[%d] (id %s)", i, tl.ID)
		for _, id := range tl.Connectors {
			if !lanes[id] {
				v.fail(elem+".connectors", "unknown lane connector %q", id)
			}
		}
		last := math.Inf(-1)
		for j, p := range tl.Phases {
			switch p.State {
			case Green, Yellow, Red, Unknown:
			default:
				v.fail(fmt.Sprintf("%s.phases[%d].state", elem, j), "unknown light state %q", p.State)
			}
			if !finite(p.Start) || p.Start < last {
				v.fail(fmt.Sprintf("%s.phases[%d].start", elem, j), "phases must be in time order with finite starts")
			}
			last = p.Start
		}
	}
	return lanes, roadblocks
}
