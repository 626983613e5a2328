package perception

import (
	"math"
	"math/rand/v2"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/internal/benchlat"
	"asyncdrive/scenarios"
)

// synthWorld is a grid of cars driving at constant velocity, seen by n senders that each report every car
// with the given centre noise (sigma, m) every frame.
type synthWorld struct {
	objs  []scenarios.Object
	sigma float64
	rng   *rand.Rand
}

func newSynthWorld(n int, sigma float64, seed uint64) *synthWorld {
	w := &synthWorld{sigma: sigma, rng: rand.New(rand.NewPCG(seed, 7))}
	for i := 0; i < n; i++ {
		lane := i % 10
		h := 0.0
		if lane%2 == 1 {
			h = math.Pi
		}
		v := geom.Unit(h).Scale(8 + float64(lane)) // one speed per lane: no car catches up with another
		w.objs = append(w.objs, scenarios.Object{ID: "c", Track: i, Type: scenarios.Vehicle,
			Box: geom.Box{Center: geom.Pose{X: float64(i/10) * 12, Y: float64(lane) * 3.5, Heading: h}, Length: 4.5, Width: 1.9},
			Vel: v})
	}
	return w
}

// at returns object i's box at time t.
func (w *synthWorld) at(i int, t float64) geom.Box {
	b := w.objs[i].Box
	b.Center.X += w.objs[i].Vel.X * t
	b.Center.Y += w.objs[i].Vel.Y * t
	return b
}

// message fills m with sender s's detections of every object at time t (captured at t).
func (w *synthWorld) message(s int, t float64, m *Message) {
	m.Sender, m.Capture, m.Seq = s, t, int(math.Round(t*10))
	m.Pose, m.Range, m.FOV = geom.Pose{X: 50, Y: 17}, 500, 2*math.Pi
	m.Dets = m.Dets[:0]
	for i := range w.objs {
		b := w.at(i, t)
		b.Center.X += w.rng.NormFloat64() * w.sigma
		b.Center.Y += w.rng.NormFloat64() * w.sigma
		m.Dets = append(m.Dets, Detection{Box: b, Type: scenarios.Vehicle, Score: 0.9,
			Cov: Cov2{w.sigma * w.sigma, 0, w.sigma * w.sigma}, HeadingVar: 0.001})
	}
}

func synthSenders(n int) []SenderInfo {
	out := []SenderInfo{{Name: "ego", Kind: KindEgo}}
	for i := 1; i < n; i++ {
		out = append(out, SenderInfo{Name: "v", Kind: KindVehicle})
	}
	return out
}

// meanError matches every object to the nearest track and returns the mean centre error and the number of
// objects without a track within 2 m.
func (w *synthWorld) meanError(tracks []Track, t float64) (float64, int) {
	sum, missing := 0.0, 0
	for i := range w.objs {
		c := w.at(i, t).Center.Pos()
		best := math.Inf(1)
		for _, tr := range tracks {
			best = math.Min(best, tr.Box.Center.Pos().Dist(c))
		}
		if best > 2 {
			missing++
			continue
		}
		sum += best
	}
	return sum / float64(len(w.objs)-missing), missing
}

func TestFuserTracksConstantVelocityObjects(t *testing.T) {
	w := newSynthWorld(30, 0.2, 1)
	f := NewFuser(DefaultFusion(), synthSenders(2))
	var m Message
	var tracks []Track
	for k := 0; k <= 30; k++ {
		tk := float64(k) * 0.1
		for s := 0; s < 2; s++ {
			w.message(s, tk, &m)
			f.Receive(&m, tk)
		}
		tracks = f.Fuse(tk)
	}
	if len(tracks) != 30 {
		t.Fatalf("%d tracks, want 30", len(tracks))
	}
	errMean, missing := w.meanError(tracks, 3.0)
	if missing > 0 || errMean > 0.15 {
		t.Errorf("mean centre error %.3f m with %d objects missed; want < 0.15 m (sensor sigma 0.2 m, two senders)", errMean, missing)
	}
	for _, tr := range tracks {
		if tr.Existence < 0.9 {
			t.Errorf("track %d existence %.2f after 3 s of detections", tr.ID, tr.Existence)
		}
		// Velocity learned from positions alone.
		best := math.Inf(1)
		var vel geom.Vec2
		for i := range w.objs {
			if d := w.at(i, 3).Center.Pos().Dist(tr.Box.Center.Pos()); d < best {
				best, vel = d, w.objs[i].Vel
			}
		}
		if tr.Vel.Dist(vel) > 0.8 {
			t.Errorf("track %d velocity %v, want %v", tr.ID, tr.Vel, vel)
		}
	}
}

// A sender's messages arrive 500 ms late: buffer-and-replay applies them at their capture frame, so the
// fused tracks stay where the objects are now; without the ego's own detections the only information is
// half a second old.
func TestFuserCompensatesDelay(t *testing.T) {
	w := newSynthWorld(20, 0.15, 2)
	f := NewFuser(DefaultFusion(), synthSenders(2))
	late := NewLateFusion(2, 0.1)
	var m Message
	type inflight struct {
		msg     Message
		arrival float64
	}
	var queue []inflight
	var tracks, lateTracks []Track
	for k := 0; k <= 40; k++ {
		tk := float64(k) * 0.1
		w.message(1, tk, &m)
		cp := m
		cp.Dets = append([]Detection(nil), m.Dets...)
		queue = append(queue, inflight{cp, tk + 0.5})
		for len(queue) > 0 && queue[0].arrival <= tk+1e-9 {
			f.Receive(&queue[0].msg, tk)
			late.Receive(&queue[0].msg, tk)
			queue = queue[1:]
		}
		tracks = f.Fuse(tk)
		lateTracks = late.Fuse(tk)
	}
	errMean, missing := w.meanError(tracks, 4.0)
	if missing > 0 || errMean > 0.3 {
		t.Errorf("fused: mean error %.3f m, %d missed; want < 0.3 m with 0.5 s delay", errMean, missing)
	}
	// Late fusion shows every car where it was 0.5 s ago: 4 to 7 m behind.
	lateErr, lateMissing := w.meanError(lateTracks, 4.0)
	if lateMissing < 15 && lateErr < 2 {
		t.Errorf("late fusion: mean error %.2f m, %d missed; expected it to lag by metres", lateErr, lateMissing)
	}
	if f.Stats.Replays == 0 {
		t.Error("no replay counted")
	}
}

// Messages of one tick delivered in any order give the same tracks (replay applies detections by capture
// frame and sender).
func TestFuserOrderIndependent(t *testing.T) {
	run := func(reverse bool) []Track {
		w := newSynthWorld(12, 0.2, 3)
		f := NewFuser(DefaultFusion(), synthSenders(3))
		var msgs [3]Message
		for k := 0; k <= 20; k++ {
			tk := float64(k) * 0.1
			for s := 0; s < 3; s++ {
				// Sender s's message captured s frames ago arrives now.
				w.message(s, math.Max(0, tk-float64(s)*0.1), &msgs[s])
			}
			for i := 0; i < 3; i++ {
				s := i
				if reverse {
					s = 2 - i
				}
				f.Receive(&msgs[s], tk)
			}
			f.Fuse(tk)
		}
		return append([]Track(nil), f.Tracks()...)
	}
	a, b := run(false), run(true)
	if len(a) != len(b) {
		t.Fatalf("%d vs %d tracks", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("track %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestFuserRejectsBadInput(t *testing.T) {
	w := newSynthWorld(5, 0.2, 4)
	f := NewFuser(DefaultFusion(), synthSenders(2))
	var m Message
	w.message(0, 0, &m)
	f.Receive(&m, 0)
	f.Fuse(0)
	for k := 1; k <= 15; k++ {
		tk := float64(k) * 0.1
		w.message(0, tk, &m)
		f.Receive(&m, tk)
		f.Fuse(tk)
	}
	before := f.Stats
	// Unknown sender, a capture time in the future, one too old, NaN capture, a duplicate, bad detections.
	w.message(0, 1.5, &m)
	m.Sender = 7
	f.Receive(&m, 1.5)
	m.Sender, m.Capture = 1, 3.0
	f.Receive(&m, 1.5)
	m.Capture = 0.2
	f.Receive(&m, 1.5)
	m.Capture = math.NaN()
	f.Receive(&m, 1.5)
	w.message(0, 1.5, &m)
	f.Receive(&m, 1.5)
	m.Dets[0].Cov = Cov2{math.NaN(), 0, 1}
	m.Dets[1].Box.Length = -1
	m.Dets[2].Score = math.Inf(1)
	m.Dets[3].Cov = Cov2{1, 2, 1} // not positive definite
	m.Sender = 1
	f.Receive(&m, 1.5)
	tracks := f.Fuse(1.6)
	got := f.Stats
	if got.BadSender-before.BadSender != 1 || got.FutureStamped-before.FutureStamped != 2 || got.TooOld-before.TooOld != 1 ||
		got.Duplicates-before.Duplicates != 1 || got.InvalidDetections-before.InvalidDetections != 4 {
		t.Errorf("counters %+v after %+v", got, before)
	}
	if len(tracks) != 5 {
		t.Errorf("%d tracks, want the 5 objects", len(tracks))
	}
	for _, tr := range tracks {
		if !tr.Box.Center.IsFinite() || !tr.Cov.Valid() {
			t.Errorf("track %+v not finite", tr)
		}
	}
	if r := f.Reputation(1); r >= 0.5 {
		t.Errorf("sender 1's reputation %.2f after bad input, want < 0.5", r)
	}
}

func TestHungarian(t *testing.T) {
	var h hungarian
	cost := h.reset(3, 0)
	copy(cost, []float64{
		4, 1, 3,
		2, 0, 5,
		3, 2, 2,
	})
	// Optimum: row0->1 (1), row1->0 (2), row2->2 (2) = 5.
	got := h.solve()
	want := []int{1, 0, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("assignment %v, want %v", got, want)
		}
	}
	// Greedy would take row1->col1 (0) first and end worse; a 4x4 with one forbidden (large) pair.
	cost = h.reset(4, 100)
	copy(cost, []float64{
		1, 2, 100, 100,
		2, 4, 100, 100,
		100, 100, 3, 1,
		100, 100, 1, 100,
	})
	got = h.solve()
	want = []int{1, 0, 3, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("assignment %v, want %v", got, want)
		}
	}
}

// fuseBenchSetup is the speed target's load: 8 senders each reporting the same 100 objects every frame.
func fuseBenchSetup() (*Fuser, *synthWorld, []Message) {
	w := newSynthWorld(100, 0.2, 9)
	f := NewFuser(DefaultFusion(), synthSenders(8))
	msgs := make([]Message, 8)
	for k := 0; k < 30; k++ {
		fuseTick(f, w, msgs, k)
	}
	return f, w, msgs
}

func fuseTick(f *Fuser, w *synthWorld, msgs []Message, k int) {
	tk := float64(k) * 0.1
	for s := range msgs {
		w.message(s, tk, &msgs[s])
		f.Receive(&msgs[s], tk)
	}
	f.Fuse(tk)
}

func TestFuseSteadyStateDoesNotAllocate(t *testing.T) {
	f, w, msgs := fuseBenchSetup()
	k := 30
	// Messages are filled outside the measured call; Receive and Fuse are measured.
	n := testing.AllocsPerRun(50, func() {
		fuseTick(f, w, msgs, k)
		k++
	})
	if n != 0 {
		t.Errorf("a fusion tick of 8 senders x 100 detections allocates %v times", n)
	}
	if got := len(f.Tracks()); got != 100 {
		t.Errorf("%d tracks, want 100", got)
	}
}

// BenchmarkFuse is the speed target: one fusion tick (Receive of 8 messages of 100 detections and Fuse)
// with every message on time. Run with -cpu 1; p50-ns and p99-ns are per tick.
func BenchmarkFuse(b *testing.B) {
	f, w, msgs := fuseBenchSetup()
	k := 30
	benchlat.Run(b, 1, func(int) {
		fuseTick(f, w, msgs, k)
		k++
	})
}

// BenchmarkFuseDelayed is the same load with every sender but the ego 300 ms late (each tick replays the
// last three frames).
func BenchmarkFuseDelayed(b *testing.B) {
	w := newSynthWorld(100, 0.2, 9)
	f := NewFuser(DefaultFusion(), synthSenders(8))
	ring := make([][]Message, 4)
	for i := range ring {
		ring[i] = make([]Message, 8)
	}
	tick := func(k int) {
		tk := float64(k) * 0.1
		cur := ring[k%4]
		for s := range cur {
			w.message(s, tk, &cur[s])
		}
		f.Receive(&cur[0], tk)
		if k >= 3 {
			old := ring[(k-3)%4]
			for s := 1; s < 8; s++ {
				f.Receive(&old[s], tk)
			}
		}
		f.Fuse(tk)
	}
	for k := 0; k < 30; k++ {
		tick(k)
	}
	k := 30
	benchlat.Run(b, 1, func(int) {
		tick(k)
		k++
	})
}
