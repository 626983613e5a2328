package scenarios

import (
	"math"
	"testing"

	"asyncdrive/geom"
)

// The leader on a path is the nearest road user ahead within half a lane of the line: not one in the next
// lane, not a pedestrian, not one behind the front; its speed is along the path.
func TestLeaderOnPath(t *testing.T) {
	at := func(id string, typ ObjectType, x, y, vx float64) Track {
		return Track{ID: id, Type: typ, Length: 4, Width: 2,
			States: []AgentState{{Pose: geom.Pose{X: x, Y: y}, VX: vx}}}
	}
	sc := &Scenario{Tracks: []Track{
		at("far", Vehicle, 60, 0.5, 12),
		at("beside", Vehicle, 30, 3.5, 9),
		at("walker", Pedestrian, 25, 0, 1),
		at("behind", Vehicle, 5, 0, 10),
		at("near", Vehicle, 40, -0.8, 11),
	}}
	path := geom.NewPolyline([]geom.Vec2{{X: 0}, {X: 200}})
	gap, v, ok := sc.LeaderOnPath(&path, 0, 20, 0, 1.6)
	if !ok || math.Abs(gap-18) > 1e-9 || v != 11 {
		t.Errorf("leader gap %.2f m at %.1f m/s (%v), want car near: 18 m at 11 m/s", gap, v, ok)
	}
	// Offset a lane to the left, the car beside leads.
	if gap, _, ok := sc.LeaderOnPath(&path, 0, 20, 3.5, 1.6); !ok || math.Abs(gap-8) > 1e-9 {
		t.Errorf("a lane left: gap %.2f m (%v), want 8 m to the car beside", gap, ok)
	}
	// At a frame with no road user, there is none.
	if _, _, ok := sc.LeaderOnPath(&path, 3, 20, 0, 1.6); ok {
		t.Error("a leader at a frame with no road user")
	}
}
