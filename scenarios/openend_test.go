package scenarios

import (
	"math"
	"testing"

	"asyncdrive/geom"
)

func TestOpenEnd(t *testing.T) {
	m := testMap()
	x := m.Index()
	for _, c := range []struct {
		lane string
		open bool
		why  string
	}{
		{"l3", true, "ends at x=120 with nothing beyond"},
		{"l4", true, "ends at y=60 with nothing beyond"},
		{"l2", false, "ends beside the left-turn connector c2"},
		{"c1", false, "has a successor (l3 names it as predecessor)"},
		{"l1", false, "has successors"},
	} {
		i, _ := x.LaneIndex(c.lane)
		b, ok := x.OpenEnd(i, 30)
		if ok != c.open {
			t.Errorf("OpenEnd(%s) = %v, want %v: it %s", c.lane, ok, c.open, c.why)
		}
		if !ok {
			continue
		}
		pts := x.Path(i).Pts
		end := pts[len(pts)-1]
		// The corridor starts 0.5 m before the end, runs on 30 m past it, as wide as the lane.
		if b.Length != 31 || math.Abs(b.Width-3.5) > 1e-9 {
			t.Errorf("OpenEnd(%s) corridor %.2f x %.2f m, want 31 x 3.5", c.lane, b.Length, b.Width)
		}
		ahead := end.Add(b.Center.Forward().Scale(29))
		behind := end.Add(b.Center.Forward().Scale(-2))
		if !b.Contains(ahead) || b.Contains(behind) {
			t.Errorf("OpenEnd(%s) corridor %+v does not run on from the end %v", c.lane, b, end)
		}
	}
	// The index keeps the open ends' corridors (OpenEndRunout long): past l3 and l4, not past l2.
	for _, c := range []struct {
		p  geom.Vec2
		in bool
	}{{geom.V(125, 0), true}, {geom.V(60, 250), true}, {geom.V(60, 270), false}, {geom.V(55, 3.5), false}, {geom.V(125, 5), false}} {
		if got := x.InOpenEnd(c.p); got != c.in {
			t.Errorf("InOpenEnd(%v) = %v, want %v", c.p, got, c.in)
		}
	}
	if _, ok := x.OpenEnd(-1, 30); ok {
		t.Error("OpenEnd of a lane index out of range")
	}
	i, _ := x.LaneIndex("l3")
	if _, ok := x.OpenEnd(i, 0); ok {
		t.Error("OpenEnd with no length")
	}
	if _, ok := x.OpenEnd(i, math.NaN()); ok {
		t.Error("OpenEnd with a NaN length")
	}
}

func TestAppendRunout(t *testing.T) {
	m := testMap()
	x := m.Index()
	for _, c := range []struct {
		lane string
		open bool
	}{{"l3", true}, {"l2", false}, {"l1", false}} {
		i, _ := x.LaneIndex(c.lane)
		var pl geom.Polyline
		for _, p := range x.Path(i).Pts {
			pl.Append(p)
		}
		before := pl.Length()
		end := pl.Pts[len(pl.Pts)-1]
		got := x.AppendRunout(&pl, i, 30)
		if got != c.open {
			t.Errorf("AppendRunout(%s) = %v, want %v", c.lane, got, c.open)
		}
		want := before
		if c.open {
			want += 30
		}
		if math.Abs(pl.Length()-want) > 1e-6 {
			t.Errorf("AppendRunout(%s): path %.2f m long, want %.2f", c.lane, pl.Length(), want)
		}
		if c.open {
			// Straight on along the lane's last heading.
			if h := pl.HeadingAt(pl.Length() - 1); math.Abs(geom.AngleDiff(h, x.Path(i).HeadingAt(x.Path(i).Length()))) > 1e-6 {
				t.Errorf("AppendRunout(%s): runout heads %.3f rad, off the lane's end (from %v)", c.lane, h, end)
			}
		}
	}
}
