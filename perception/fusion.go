package perception

import (
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// FusionConfig tunes the trust-weighted fusion.
type FusionConfig struct {
	Frame  float64 // fusion period, s (0.1)
	Window int     // frames kept for buffer-and-replay of late messages (10: 1 s)
	Gate   float64 // chi-square gate on the centre, 2 degrees of freedom (9.21: 99 %)
	// Process noise (white acceleration) of the constant-velocity model, m/s^2, for vehicles and bicycles,
	// for pedestrians, and for static objects.
	AccelSigma, PedAccelSigma, StaticAccelSigma float64
	HeadingRateSigma                            float64 // rad/s, heading random walk
	// Trust: staleness exp(-StalenessLambda * delay in frames); aleatoric 1/(1 + tr(R)/AleatoricScale);
	// epistemic exp(-max(0, d2-2)/EpistemicScale) for a detection's squared Mahalanobis distance d2 to the
	// consensus of the other senders and the track.
	StalenessLambda, AleatoricScale, EpistemicScale float64
	// Forgetting multiplies every sender's reputation evidence once per frame (beta reputation with
	// forgetting: E = (r+1)/(r+s+2)).
	Forgetting float64
	// Existence, in log-odds: a detection adds trust*score*HitLogit; a frame without one costs CoastLogit;
	// a sender that covered the track and did not see it costs MissLogit * Pd * reputation; a new track
	// starts at BirthLogit plus its detections' gain; a track under DeleteLogit, or without a detection for
	// MaxCoast seconds, is dropped.
	HitLogit, CoastLogit, MissLogit, BirthLogit, DeleteLogit, MaxLogit float64
	MaxCoast                                                           float64
	// Limits against floods: detections kept per message, tracks in all.
	MaxDetsPerMessage, MaxTracks int
}

// DefaultFusion returns the settings used by the benchmark and the closed loop.
func DefaultFusion() FusionConfig {
	return FusionConfig{
		Frame: 0.1, Window: 10, Gate: 9.21,
		AccelSigma: 1.0, PedAccelSigma: 1.0, StaticAccelSigma: 0.05, HeadingRateSigma: 0.4,
		StalenessLambda: 0.2, AleatoricScale: 2.0, EpistemicScale: 6.0,
		Forgetting: 0.98,
		HitLogit:   1.2, CoastLogit: 0.15, MissLogit: 0.5, BirthLogit: -1.5, DeleteLogit: -3, MaxLogit: 5,
		MaxCoast:          1.5,
		MaxDetsPerMessage: 256, MaxTracks: 1024,
	}
}

// FusionStats counts what the fusion received, rejected and did.
type FusionStats struct {
	Messages, Detections int
	Duplicates           int // a second message of a sender for the same frame
	TooOld               int // captured before the replay window
	FutureStamped        int // capture time after arrival (a clock ahead)
	BadSender            int // unknown sender index
	InvalidDetections    int // non-finite or non-positive-definite boxes or covariances, bad sizes or scores
	Truncated            int // detections beyond MaxDetsPerMessage
	Misplaced            int // detections overlapping a track they do not gate with (a pose error, a liar)
	Replays              int // Fuse calls that went back to an earlier frame
	ReplayedFrames       int
	Births, Deaths       int
	TrackLimit           int // births refused at MaxTracks
}

// beta is a sender's reputation evidence (positive r, negative s).
type beta struct{ r, s float64 }

// track is the fusion's internal state of one object.
type track struct {
	id      int
	typ     scenarios.ObjectType
	x       [4]float64    // px, py, vx, vy
	p       [4][4]float64 // covariance of x
	h, hv   float64       // heading and its variance
	l, w    float64       // size
	sw      float64       // accumulated size weight
	logit   float64       // existence log-odds
	last    float64       // time of the last detection
	hits    int
	senders uint64 // senders that ever supported it
	upd     uint64 // senders that updated it this frame
	born    int    // frame of birth
	// ind is the last turn signal seen and indT when (capture frame time).
	ind  scenarios.Indicator
	indT float64
}

// fdet is a buffered detection with its provenance and per-frame scratch.
type fdet struct {
	Detection
	sender  int
	idx     int     // position in its message
	capture float64 // sender's stamp
	age     float64 // arrival - capture, s
	// scratch, set while a frame is processed
	trk   int32
	next  int32
	z     geom.Vec2 // centre predicted to the frame time
	r     Cov2      // its covariance
	trust float64
}

// coverage is where a sender could see in a frame.
type coverage struct {
	sender int
	pose   geom.Pose
	rng    float64
	fov    float64
}

// slot is one frame of the replay buffer: the detections captured in it, the senders that reported, and
// the fusion state after processing it.
type slot struct {
	k      int
	dets   []fdet
	cov    []coverage
	valid  bool // the snapshot below is set
	tracks []track
	rep    []beta
	nextID int
	time   float64
}

// Fuser is the trust-weighted, delay-compensating fusion: detections from several senders, received late
// and out of order, are applied at their capture frame (buffer and replay within Window frames), gated and
// associated per sender with the Hungarian method, fused with covariance intersection weighted by trust,
// and tracked with constant-velocity Kalman filters. Use Receive for every message as it arrives and Fuse
// once per frame. Steady use does not allocate.
type Fuser struct {
	cfg     FusionConfig
	senders []SenderInfo
	ring    []slot
	tracks  []track
	rep     []beta
	fault   []float64 // reputation evidence from rejected input and missing messages (not replayed)
	heard   []bool    // senders that have sent at least once
	started bool
	cur     int // last processed frame
	dirty   int // earliest frame with new detections
	nextID  int
	time    float64
	Stats   FusionStats

	out      []Track
	recv     []ReceivedDetection
	recvNew  bool
	byX      []int32
	headDet  []int32
	edges    []edge
	parent   []int32
	local    []int32
	comp     []int32
	hung     hungarian
	unassign []int32
	members  []int32
	keep     []bool
}

// edge is a gated detection-track pair.
type edge struct {
	det, trk int32
	d2       float64
}

// NewFuser returns a fusion for the given senders (at most 64; sender i is Message.Sender i).
func NewFuser(cfg FusionConfig, senders []SenderInfo) *Fuser {
	if cfg.Frame <= 0 {
		cfg = DefaultFusion()
	}
	if len(senders) > 64 {
		senders = senders[:64]
	}
	f := &Fuser{cfg: cfg, senders: slices.Clone(senders), ring: make([]slot, cfg.Window+8),
		rep: make([]beta, len(senders)), fault: make([]float64, len(senders)), heard: make([]bool, len(senders)),
		dirty: math.MaxInt}
	for i := range f.ring {
		f.ring[i].k = math.MinInt
		f.ring[i].rep = make([]beta, len(senders))
	}
	return f
}

// Senders returns the sender table.
func (f *Fuser) Senders() []SenderInfo { return f.senders }

// Reputation returns sender i's learned reputation in [0, 1]: the expected value of its beta reputation
// (consistency with the others, with forgetting), lowered by rejected input. The ego's own sensor is 1.
func (f *Fuser) Reputation(i int) float64 {
	if i < 0 || i >= len(f.senders) {
		return 0
	}
	if f.senders[i].Kind == KindEgo {
		return 1
	}
	b := f.rep[i]
	return (b.r + 1) / (b.r + b.s + f.fault[i] + 2)
}

func (f *Fuser) frameOf(t float64) int { return int(math.Round(t / f.cfg.Frame)) }

func (f *Fuser) slot(k int) *slot {
	i := k % len(f.ring)
	if i < 0 {
		i += len(f.ring)
	}
	return &f.ring[i]
}

// validDetection checks what the fusion relies on.
func validDetection(d *Detection) bool {
	b := d.Box
	return b.Center.IsFinite() && finite(b.Length) && finite(b.Width) && b.Length > 0 && b.Width > 0 &&
		b.Length < 40 && b.Width < 10 && d.Cov.Valid() && d.Cov.Trace() < 1e4 && finite(d.HeadingVar) &&
		d.HeadingVar >= 0 && finite(d.Score) && d.Score >= 0 && d.Score <= 1 && d.Type.Valid()
}

// Receive buffers a message that arrived at time arrival (the receiver's clock). Bad input is counted and
// lowers the sender's reputation; nothing in a message can make it fail.
func (f *Fuser) Receive(m *Message, arrival float64) {
	if !f.recvNew {
		f.recv = f.recv[:0]
		f.recvNew = true
	}
	f.Stats.Messages++
	s := m.Sender
	if s < 0 || s >= len(f.senders) {
		f.Stats.BadSender++
		return
	}
	if !finite(m.Capture) || !finite(arrival) || math.Abs(m.Capture) > 1e9 {
		f.Stats.FutureStamped++
		f.fault[s]++
		return
	}
	age := arrival - m.Capture
	if age < -0.5*f.cfg.Frame {
		f.Stats.FutureStamped++
		f.fault[s]++
		return
	}
	k := f.frameOf(m.Capture)
	if f.started && k <= f.cur-f.cfg.Window {
		f.Stats.TooOld++
		if age > 2*float64(f.cfg.Window)*f.cfg.Frame {
			f.fault[s]++ // far older than any network delay: a clock that is off
		}
		return
	}
	sl := f.slot(k)
	if sl.k != k {
		if sl.k > k {
			f.Stats.TooOld++
			return
		}
		sl.k, sl.dets, sl.cov, sl.valid = k, sl.dets[:0], sl.cov[:0], false
	}
	for _, c := range sl.cov {
		if c.sender == s {
			f.Stats.Duplicates++
			return
		}
	}
	f.heard[s] = true
	if m.Pose.IsFinite() && finite(m.Range) && m.Range > 0 && finite(m.FOV) && m.FOV > 0 {
		sl.cov = append(sl.cov, coverage{sender: s, pose: m.Pose, rng: m.Range, fov: m.FOV})
	}
	n := len(m.Dets)
	if n > f.cfg.MaxDetsPerMessage {
		f.Stats.Truncated += n - f.cfg.MaxDetsPerMessage
		f.fault[s]++
		n = f.cfg.MaxDetsPerMessage
	}
	bad := 0
	for i := 0; i < n; i++ {
		d := &m.Dets[i]
		if !validDetection(d) {
			bad++
			continue
		}
		f.Stats.Detections++
		sl.dets = append(sl.dets, fdet{Detection: *d, sender: s, idx: i, capture: m.Capture, age: age})
		if len(f.recv) < 4096 {
			f.recv = append(f.recv, ReceivedDetection{Sender: s, Capture: m.Capture, Age: age, Detection: *d})
		}
	}
	if bad > 0 {
		f.Stats.InvalidDetections += bad
		f.fault[s] += math.Min(1, 0.25*float64(bad))
	}
	f.dirty = min(f.dirty, k)
}

// Fuse brings the tracks to time t (a frame time), replaying the frames that received late detections,
// and returns them. The slice belongs to the fuser and is valid until the next call.
func (f *Fuser) Fuse(t float64) []Track {
	k := f.frameOf(t)
	if !f.started {
		f.started = true
		f.cur, f.time = k-1, float64(k-1)*f.cfg.Frame
		f.store(f.slotReset(k - 1))
	}
	if k <= f.cur {
		// Same frame again or time going back: nothing new is processed.
		if f.dirty <= f.cur && k == f.cur {
			k = f.cur
		} else {
			return f.output()
		}
	}
	start := min(f.dirty, f.cur+1)
	start = max(start, f.cur-f.cfg.Window+1, k-f.cfg.Window+1)
	if start <= f.cur {
		prev := f.slot(start - 1)
		if prev.k == start-1 && prev.valid {
			f.restore(prev)
			f.Stats.Replays++
			f.Stats.ReplayedFrames += f.cur - start + 1
		} else {
			start = f.cur + 1
		}
	}
	for dec := f.cur; dec < k; dec++ {
		for i := range f.fault {
			f.fault[i] *= f.cfg.Forgetting
		}
		f.missing(dec + 1 - f.cfg.Window)
	}
	for j := start; j <= k; j++ {
		f.processFrame(j)
	}
	f.cur = k
	f.dirty = math.MaxInt
	f.recvNew = false
	for i := range f.recv {
		f.recv[i].Age = t - f.recv[i].Capture
	}
	return f.output()
}

// MissingEvidence is the reputation evidence against a sender (that has sent before) for each frame that
// leaves the replay window without a message from it: a sender that falls silent loses trust.
const MissingEvidence = 0.25

// missing counts the senders that sent nothing for frame j, now leaving the replay window.
func (f *Fuser) missing(j int) {
	sl := f.slot(j)
	for s := range f.senders {
		if !f.heard[s] || f.senders[s].Kind == KindEgo {
			continue
		}
		found := false
		if sl.k == j {
			for _, c := range sl.cov {
				if c.sender == s {
					found = true
					break
				}
			}
		}
		if !found {
			f.fault[s] += MissingEvidence
		}
	}
}

// Tracks returns the last output of Fuse.
func (f *Fuser) Tracks() []Track { return f.out }

// Received returns the detections received since the Fuse call before the last one, with their age at the
// last Fuse time. The slice belongs to the fuser.
func (f *Fuser) Received() []ReceivedDetection { return f.recv }

func (f *Fuser) slotReset(k int) *slot {
	sl := f.slot(k)
	if sl.k != k {
		sl.k, sl.dets, sl.cov, sl.valid = k, sl.dets[:0], sl.cov[:0], false
	}
	return sl
}

func (f *Fuser) store(sl *slot) {
	sl.tracks = append(sl.tracks[:0], f.tracks...)
	copy(sl.rep, f.rep)
	sl.nextID, sl.time, sl.valid = f.nextID, f.time, true
}

func (f *Fuser) restore(sl *slot) {
	f.tracks = append(f.tracks[:0], sl.tracks...)
	copy(f.rep, sl.rep)
	f.nextID, f.time = sl.nextID, sl.time
}

func (f *Fuser) output() []Track {
	f.out = f.out[:0]
	for i := range f.tracks {
		tr := &f.tracks[i]
		f.out = append(f.out, Track{
			ID: tr.id, Type: tr.typ,
			Box:        geom.Box{Center: geom.Pose{X: tr.x[0], Y: tr.x[1], Heading: tr.h}, Length: tr.l, Width: tr.w},
			Vel:        geom.Vec2{X: tr.x[2], Y: tr.x[3]},
			Cov:        Cov2{tr.p[0][0], tr.p[0][1], tr.p[1][1]},
			VelCov:     Cov2{tr.p[2][2], tr.p[2][3], tr.p[3][3]},
			Existence:  sigmoid(tr.logit),
			Score:      sigmoid(tr.logit) * math.Exp(-(tr.p[0][0]+tr.p[1][1])/ScoreCovScale),
			LastUpdate: tr.last, Senders: tr.senders, Indicator: tr.indicator(f.time),
		})
	}
	return f.out
}

// ScoreCovScale (m^2) is how fast a track's Score falls with the trace of its centre covariance.
var ScoreCovScale = 1.0

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// accel returns the process noise intensity (m/s^2)^2 for a class.
func (f *Fuser) accel(t scenarios.ObjectType) float64 {
	switch t {
	case scenarios.Pedestrian:
		return f.cfg.PedAccelSigma * f.cfg.PedAccelSigma
	case scenarios.StaticObject:
		return f.cfg.StaticAccelSigma * f.cfg.StaticAccelSigma
	}
	return f.cfg.AccelSigma * f.cfg.AccelSigma
}

// predict moves a track dt seconds ahead at constant velocity, growing its covariance by the process noise.
func (f *Fuser) predict(tr *track, dt float64) {
	if dt == 0 {
		return
	}
	q := f.accel(tr.typ)
	tr.x[0] += tr.x[2] * dt
	tr.x[1] += tr.x[3] * dt
	p := &tr.p
	// P = F P F^T with F = [I dt*I; 0 I].
	for i := 0; i < 4; i++ { // rows: P[0..1] += dt*P[2..3]
		p[0][i] += dt * p[2][i]
		p[1][i] += dt * p[3][i]
	}
	for i := 0; i < 4; i++ { // columns
		p[i][0] += dt * p[i][2]
		p[i][1] += dt * p[i][3]
	}
	adt := math.Abs(dt)
	q3, q2, q1 := q*adt*adt*adt/3, q*adt*adt/2*sign(dt), q*adt
	p[0][0] += q3
	p[1][1] += q3
	p[0][2] += q2
	p[2][0] += q2
	p[1][3] += q2
	p[3][1] += q2
	p[2][2] += q1
	p[3][3] += q1
	tr.hv += f.cfg.HeadingRateSigma * f.cfg.HeadingRateSigma * adt * adt
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// indicatorHold is how long a seen turn signal is reported after it was last seen, s (a blinker is dark
// half of the time).
const indicatorHold = 0.5

func (tr *track) indicator(t float64) scenarios.Indicator {
	if tr.ind != scenarios.IndicatorOff && t-tr.indT <= indicatorHold {
		return tr.ind
	}
	return scenarios.IndicatorOff
}

// posCov returns the track's centre covariance.
func (tr *track) posCov() Cov2 { return Cov2{tr.p[0][0], tr.p[0][1], tr.p[1][1]} }

// update applies a centre measurement z with covariance r (Kalman update of the 4-state filter).
func (tr *track) update(z geom.Vec2, r Cov2) bool {
	p := &tr.p
	s := Cov2{p[0][0] + r.XX, p[0][1] + r.XY, p[1][1] + r.YY}
	si, ok := s.Inv()
	if !ok {
		return false
	}
	// K = P H^T S^-1, 4x2.
	var k [4][2]float64
	for i := 0; i < 4; i++ {
		a, b := p[i][0], p[i][1]
		k[i][0] = a*si.XX + b*si.XY
		k[i][1] = a*si.XY + b*si.YY
	}
	y0, y1 := z.X-tr.x[0], z.Y-tr.x[1]
	for i := 0; i < 4; i++ {
		tr.x[i] += k[i][0]*y0 + k[i][1]*y1
	}
	// P = P - K H P.
	var hp [2][4]float64
	hp[0], hp[1] = p[0], p[1]
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			p[i][j] -= k[i][0]*hp[0][j] + k[i][1]*hp[1][j]
		}
	}
	// Keep it symmetric.
	for i := 0; i < 4; i++ {
		for j := i + 1; j < 4; j++ {
			m := 0.5 * (p[i][j] + p[j][i])
			p[i][j], p[j][i] = m, m
		}
	}
	return true
}

// processFrame runs frame j: predict, associate, fuse, update, give birth, weigh existence, prune, store.
func (f *Fuser) processFrame(j int) {
	cfg := &f.cfg
	tj := float64(j) * cfg.Frame
	sl := f.slotReset(j)
	for i := range f.tracks {
		f.predict(&f.tracks[i], tj-f.time)
		f.tracks[i].upd = 0
	}
	f.time = tj
	for i := range f.rep {
		f.rep[i].r *= cfg.Forgetting
		f.rep[i].s *= cfg.Forgetting
	}
	dets := sl.dets
	slices.SortFunc(dets, func(a, b fdet) int {
		if a.sender != b.sender {
			return a.sender - b.sender
		}
		return a.idx - b.idx
	})
	for i := range dets {
		d := &dets[i]
		d.trk, d.next, d.trust = -1, -1, 0
	}
	f.sortByX()
	// Associate each sender's detections with the tracks (one detection per track and sender).
	for a := 0; a < len(dets); {
		b := a
		for b < len(dets) && dets[b].sender == dets[a].sender {
			b++
		}
		f.associate(dets, a, b, tj)
		a = b
	}
	// Fuse the detections of every track and update it.
	f.headDet = grow(f.headDet, len(f.tracks))
	for i := range f.headDet {
		f.headDet[i] = -1
	}
	for i := len(dets) - 1; i >= 0; i-- {
		if t := dets[i].trk; t >= 0 {
			dets[i].next = f.headDet[t]
			f.headDet[t] = int32(i)
		}
	}
	ntr := len(f.tracks)
	for ti := 0; ti < ntr; ti++ {
		if f.headDet[ti] < 0 {
			continue
		}
		f.members = f.members[:0]
		for d := f.headDet[ti]; d >= 0; d = dets[d].next {
			f.members = append(f.members, d)
		}
		f.updateTrack(&f.tracks[ti], dets, f.members, j)
	}
	f.births(dets, j)
	f.existence(sl, j)
	f.prune(tj)
	f.store(sl)
}

// sortByX fills byX with the track indices ordered by x.
func (f *Fuser) sortByX() {
	f.byX = f.byX[:0]
	for i := range f.tracks {
		f.byX = append(f.byX, int32(i))
	}
	tr := f.tracks
	slices.SortFunc(f.byX, func(a, b int32) int {
		xa, xb := tr[a].x[0], tr[b].x[0]
		switch {
		case xa < xb:
			return -1
		case xa > xb:
			return 1
		}
		return int(a - b)
	})
}

// firstX returns the first position in byX whose track has x >= x0.
func (f *Fuser) firstX(x0 float64) int {
	lo, hi := 0, len(f.byX)
	for lo < hi {
		m := (lo + hi) / 2
		if f.tracks[f.byX[m]].x[0] < x0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// searchRadius is how far (m) a detection's centre may be from a track's to be gated with it at all.
const searchRadius = 10.0

// predicted returns detection d moved to the frame time tj with track tr's velocity, and its covariance
// grown by the velocity uncertainty and the process noise over the time moved.
func (f *Fuser) predicted(d *fdet, tr *track, tj float64) (geom.Vec2, Cov2) {
	dt := tj - d.capture
	z, r := d.Box.Center.Pos(), d.Cov
	if dt == 0 || tr == nil {
		return z, r
	}
	z = z.Add(geom.Vec2{X: tr.x[2], Y: tr.x[3]}.Scale(dt))
	q := f.accel(tr.typ)
	adt := math.Abs(dt)
	g := dt * dt
	r.XX += g*tr.p[2][2] + q*adt*adt*adt/3
	r.XY += g * tr.p[2][3]
	r.YY += g*tr.p[3][3] + q*adt*adt*adt/3
	return z, r
}

// associate assigns detections dets[a:b] (one sender's) to tracks: chi-square gating, then the Hungarian
// method on every connected group of gated pairs.
func (f *Fuser) associate(dets []fdet, a, b int, tj float64) {
	cfg := &f.cfg
	f.edges = f.edges[:0]
	for i := a; i < b; i++ {
		d := &dets[i]
		c := d.Box.Center.Pos()
		for p := f.firstX(c.X - searchRadius); p < len(f.byX); p++ {
			ti := f.byX[p]
			tr := &f.tracks[ti]
			if tr.x[0] > c.X+searchRadius {
				break
			}
			if math.Abs(tr.x[1]-c.Y) > searchRadius || tr.typ != d.Type {
				continue
			}
			z, r := f.predicted(d, tr, tj)
			d2 := tr.posCov().Add(r).Mahalanobis2(z.Sub(geom.Vec2{X: tr.x[0], Y: tr.x[1]}))
			if d2 <= cfg.Gate {
				f.edges = append(f.edges, edge{det: int32(i), trk: ti, d2: d2})
			}
		}
	}
	if len(f.edges) == 0 {
		return
	}
	// Connected groups by union-find over local node ids: detections 0..b-a-1, then tracks as met.
	nd := b - a
	f.local = grow(f.local, len(f.tracks))
	for i := range f.local {
		f.local[i] = -1
	}
	nodes := nd
	for _, e := range f.edges {
		if f.local[e.trk] < 0 {
			f.local[e.trk] = int32(nodes)
			nodes++
		}
	}
	f.parent = grow(f.parent, nodes)
	for i := range f.parent {
		f.parent[i] = int32(i)
	}
	for _, e := range f.edges {
		union(f.parent, int32(int(e.det)-a), f.local[e.trk])
	}
	// Each edge's group root; process groups in order of their first edge.
	f.comp = grow(f.comp, len(f.edges))
	for i, e := range f.edges {
		f.comp[i] = find(f.parent, int32(int(e.det)-a))
	}
	for i := range f.edges {
		root := f.comp[i]
		if root < 0 {
			continue
		}
		// Collect the group's edges (those with this root, from i on).
		first := i
		nDet, nTrk := 0, 0
		for q := first; q < len(f.edges); q++ {
			if f.comp[q] != root {
				continue
			}
			e := f.edges[q]
			if dets[e.det].trk == -1 {
				dets[e.det].trk = -2 - int32(nDet) // temporary local row
				nDet++
			}
			if f.local[e.trk] >= 0 {
				f.local[e.trk] = -2 - int32(nTrk) // temporary local column
				nTrk++
			}
		}
		if nDet == 1 && nTrk == 1 {
			e := f.edges[first]
			dets[e.det].trk = e.trk
			f.comp[first] = -1
			f.local[e.trk] = -1
			continue
		}
		n := max(nDet, nTrk)
		cost := f.hung.reset(n, cfg.Gate)
		for q := first; q < len(f.edges); q++ {
			if f.comp[q] != root {
				continue
			}
			e := f.edges[q]
			row, col := -2-dets[e.det].trk, -2-f.local[e.trk]
			cost[int(row)*n+int(col)] = e.d2
		}
		match := f.hung.solve()
		for q := first; q < len(f.edges); q++ {
			if f.comp[q] != root {
				continue
			}
			e := f.edges[q]
			row, col := -2-dets[e.det].trk, -2-f.local[e.trk]
			if row >= 0 && int(match[row]) == int(col) && e.d2 < cfg.Gate {
				dets[e.det].trk = e.trk // assigned: row no longer negative
			}
			f.comp[q] = -1
		}
		// Detections of the group left unassigned.
		for q := first; q < len(f.edges); q++ {
			e := f.edges[q]
			if dets[e.det].trk < -1 {
				dets[e.det].trk = -1
			}
			if f.local[e.trk] < -1 {
				f.local[e.trk] = -1
			}
		}
	}
}

func find(parent []int32, i int32) int32 {
	for parent[i] != i {
		parent[i] = parent[parent[i]]
		i = parent[i]
	}
	return i
}

func union(parent []int32, a, b int32) {
	ra, rb := find(parent, a), find(parent, b)
	if ra != rb {
		parent[max(ra, rb)] = min(ra, rb)
	}
}

// trustOf sets the trust of each member detection (already predicted: z, r) and returns the fused centre,
// covariance and the sum of trusts. prior, when non-nil, is the track's prediction, which takes part in the
// consensus that measures each detection's disagreement (epistemic uncertainty).
func (f *Fuser) trustOf(dets []fdet, members []int32, prior *track) {
	cfg := &f.cfg
	for _, mi := range members {
		d := &dets[mi]
		// Consensus of the others (fast covariance intersection), the track's prediction included.
		var info Cov2
		var iz geom.Vec2
		wsum := 0.0
		add := func(z geom.Vec2, r Cov2) {
			ri, ok := r.Inv()
			if !ok {
				return
			}
			w := 1 / r.Trace()
			wsum += w
			info = info.Add(ri.Scale(w))
			iz = iz.Add(ri.MulVec(z).Scale(w))
		}
		for _, mj := range members {
			if mj != mi {
				add(dets[mj].z, dets[mj].r)
			}
		}
		if prior != nil && prior.hits >= 2 {
			add(geom.Vec2{X: prior.x[0], Y: prior.x[1]}, prior.posCov())
		}
		epi := 1.0
		if wsum > 0 {
			info = info.Scale(1 / wsum)
			iz = iz.Scale(1 / wsum)
			if c, ok := info.Inv(); ok {
				mean := c.MulVec(iz)
				d2 := c.Add(d.r).Mahalanobis2(d.z.Sub(mean))
				epi = math.Exp(-math.Max(0, d2-2) / cfg.EpistemicScale)
			}
		}
		alea := 1 / (1 + d.Cov.Trace()/cfg.AleatoricScale)
		stale := math.Exp(-cfg.StalenessLambda * math.Max(0, d.age) / cfg.Frame)
		d.trust = alea * epi * stale * f.Reputation(d.sender)
	}
}

// combine fuses the member detections with trust-weighted covariance intersection: weights
// w_i = trust_i * (1/tr R_i) / sum_j (1/tr R_j); information sum_i w_i R_i^-1 (so low trust inflates the
// fused covariance). It returns the centre, covariance, heading and its variance, size, and the trust sum.
func (f *Fuser) combine(dets []fdet, members []int32) (z geom.Vec2, r Cov2, h, hv, l, w, tsum float64, ok bool) {
	norm := 0.0
	for _, mi := range members {
		norm += 1 / dets[mi].r.Trace()
	}
	var info Cov2
	var iz geom.Vec2
	ref := dets[members[0]].Box.Center.Heading
	hs, hw, lw := 0.0, 0.0, 0.0
	for _, mi := range members {
		d := &dets[mi]
		ri, good := d.r.Inv()
		if !good || d.trust <= 0 {
			continue
		}
		wt := d.trust * (1 / d.r.Trace()) / norm
		info = info.Add(ri.Scale(wt))
		iz = iz.Add(ri.MulVec(d.z).Scale(wt))
		wh := wt / math.Max(d.HeadingVar, 1e-4)
		hs += wh * geom.AngleDiff(d.Box.Center.Heading, ref)
		hw += wh
		l += d.trust * d.Box.Length
		w += d.trust * d.Box.Width
		lw += d.trust
		tsum += d.trust
	}
	c, good := info.Inv()
	if !good || lw <= 0 {
		return
	}
	return c.MulVec(iz), c, geom.NormalizeAngle(ref + hs/hw), 1 / hw, l / lw, w / lw, tsum, true
}

// updateTrack fuses a track's detections of this frame and updates it.
func (f *Fuser) updateTrack(tr *track, dets []fdet, members []int32, j int) {
	cfg := &f.cfg
	tj := float64(j) * cfg.Frame
	for _, mi := range members {
		d := &dets[mi]
		d.z, d.r = f.predicted(d, tr, tj)
	}
	f.trustOf(dets, members, tr)
	z, r, h, hv, l, w, tsum, ok := f.combine(dets, members)
	gain := 0.0
	for _, mi := range members {
		d := &dets[mi]
		gain += d.trust * d.Score * cfg.HitLogit
		tr.upd |= 1 << uint(d.sender)
		if d.Indicator != scenarios.IndicatorOff && d.trust > 0.2 {
			tr.ind, tr.indT = d.Indicator, tj
		}
	}
	if !ok || tsum < 1e-3 {
		return
	}
	if !tr.update(z, r) {
		return
	}
	// Heading: a scalar filter on the circle.
	if tr.hv <= 0 {
		tr.h, tr.hv = h, hv
	} else {
		k := tr.hv / (tr.hv + hv)
		tr.h = geom.NormalizeAngle(tr.h + k*geom.AngleDiff(h, tr.h))
		tr.hv *= 1 - k
	}
	// Size: trust-weighted running mean (capped weight so it can still adapt).
	tw := math.Min(tsum, 1)
	tr.l = (tr.l*tr.sw + l*tw) / (tr.sw + tw)
	tr.w = (tr.w*tr.sw + w*tw) / (tr.sw + tw)
	tr.sw = math.Min(tr.sw+tw, 10)
	tr.logit = math.Min(cfg.MaxLogit, tr.logit+gain)
	tr.last = tj
	tr.hits++
	// Reputation: each sender's detection against the fused estimate, when someone else supports the track.
	pc := tr.posCov()
	for _, mi := range members {
		d := &dets[mi]
		s := d.sender
		if f.senders[s].Kind == KindEgo || (tr.senders&^(1<<uint(s))) == 0 && len(members) < 2 {
			continue
		}
		d2 := pc.Add(d.r).Mahalanobis2(d.z.Sub(geom.Vec2{X: tr.x[0], Y: tr.x[1]}))
		c := math.Exp(-math.Max(0, d2-2) / cfg.EpistemicScale)
		f.rep[s].r += c
		f.rep[s].s += 1 - c
	}
	for _, mi := range members {
		tr.senders |= 1 << uint(dets[mi].sender)
	}
}

// births turns the unassigned detections into new tracks: each is clustered with unassigned detections of
// other senders that gate with it, and the cluster is fused as a track's detections are. A detection that
// overlaps an existing track it did not gate with is counted as misplaced (a sender's pose error or lie)
// and makes no track.
func (f *Fuser) births(dets []fdet, j int) {
	cfg := &f.cfg
	tj := float64(j) * cfg.Frame
	f.unassign = f.unassign[:0]
	for i := range dets {
		if dets[i].trk == -1 {
			d := &dets[i]
			d.z, d.r = d.Box.Center.Pos(), d.Cov
			f.unassign = append(f.unassign, int32(i))
		}
	}
	if len(f.unassign) == 0 {
		return
	}
	ntr := len(f.tracks) // existing tracks only; new ones are not searched through byX
	for ui, u := range f.unassign {
		du := &dets[u]
		if du.trk != -1 {
			continue
		}
		du.trk = -3 // used
		// Misplaced: overlaps a track it does not gate with.
		if f.overlapsTrack(du.Box, ntr) {
			f.Stats.Misplaced++
			if f.senders[du.sender].Kind != KindEgo {
				f.rep[du.sender].s += 0.5
			}
			continue
		}
		f.members = append(f.members[:0], u)
		var mask uint64 = 1 << uint(du.sender)
		for _, v := range f.unassign[ui+1:] {
			dv := &dets[v]
			if dv.trk != -1 || mask&(1<<uint(dv.sender)) != 0 || dv.Type != du.Type {
				continue
			}
			if du.r.Add(dv.r).Mahalanobis2(dv.z.Sub(du.z)) <= cfg.Gate {
				f.members = append(f.members, v)
				mask |= 1 << uint(dv.sender)
				dv.trk = -3
			}
		}
		if len(f.tracks) >= cfg.MaxTracks {
			f.Stats.TrackLimit++
			continue
		}
		f.trustOf(dets, f.members, nil)
		z, r, h, hv, l, w, tsum, ok := f.combine(dets, f.members)
		if !ok || tsum < 0.05 {
			continue
		}
		gain := 0.0
		for _, mi := range f.members {
			gain += dets[mi].trust * dets[mi].Score * cfg.HitLogit
		}
		tr := track{id: f.nextID, typ: du.Type, h: h, hv: hv, l: l, w: w, sw: math.Min(tsum, 1),
			logit: cfg.BirthLogit + gain, last: tj, hits: 1, senders: mask, upd: mask, born: j}
		f.nextID++
		tr.x = [4]float64{z.X, z.Y, 0, 0}
		tr.p[0][0], tr.p[0][1], tr.p[1][0], tr.p[1][1] = r.XX, r.XY, r.XY, r.YY
		var vc Cov2
		switch du.Type {
		case scenarios.Pedestrian:
			vc = Cov2{2.25, 0, 2.25}
		case scenarios.StaticObject:
			vc = Cov2{0.01, 0, 0.01}
		case scenarios.Bicycle:
			vc = Rotated(25, 1, h)
		default:
			vc = Rotated(100, 1, h) // unknown speed along the heading, little across
		}
		tr.p[2][2], tr.p[2][3], tr.p[3][2], tr.p[3][3] = vc.XX, vc.XY, vc.XY, vc.YY
		f.tracks = append(f.tracks, tr)
		f.Stats.Births++
	}
}

// overlapsTrack reports whether box b overlaps one of the first n tracks' boxes (IoU over 0.1).
func (f *Fuser) overlapsTrack(b geom.Box, n int) bool {
	c := b.Center.Pos()
	for p := f.firstX(c.X - 6); p < len(f.byX); p++ {
		ti := int(f.byX[p])
		if ti >= n {
			continue
		}
		tr := &f.tracks[ti]
		if tr.x[0] > c.X+6 {
			break
		}
		if math.Abs(tr.x[1]-c.Y) > 6 || sigmoid(tr.logit) < 0.5 {
			continue
		}
		tb := geom.Box{Center: geom.Pose{X: tr.x[0], Y: tr.x[1], Heading: tr.h}, Length: tr.l, Width: tr.w}
		if geom.BoxIoU(b, tb) > 0.1 {
			return true
		}
	}
	return false
}

// existence weighs every track's existence: coasting costs, and so does each sender that covered the track
// in this frame (in range, in view, not behind a nearer track) and did not see it.
func (f *Fuser) existence(sl *slot, j int) {
	cfg := &f.cfg
	for ti := range f.tracks {
		tr := &f.tracks[ti]
		if tr.upd == 0 {
			tr.logit -= cfg.CoastLogit
		}
		if tr.born == j {
			continue
		}
		pos := geom.Vec2{X: tr.x[0], Y: tr.x[1]}
		for _, c := range sl.cov {
			if tr.upd&(1<<uint(c.sender)) != 0 {
				continue
			}
			rel := pos.Sub(c.pose.Pos())
			d := rel.Norm()
			if d > 0.9*c.rng || d < 1 {
				continue
			}
			if c.fov < 2*math.Pi && math.Abs(geom.AngleDiff(math.Atan2(rel.Y, rel.X), c.pose.Heading)) > c.fov/2 {
				continue
			}
			if f.hidden(ti, c.pose.Pos(), pos, d, f.senders[c.sender].Kind == KindRSU) {
				continue
			}
			x := d / c.rng
			pd := 0.9 - 0.4*x*x
			tr.logit -= cfg.MissLogit * pd * f.Reputation(c.sender)
		}
	}
}

// hidden reports whether the segment from a sensor at p to track ti's centre q (at distance d) crosses a
// nearer confirmed track's box (only long vehicles count for a pole-mounted roadside unit).
func (f *Fuser) hidden(ti int, p, q geom.Vec2, d float64, tallOnly bool) bool {
	for oi := range f.tracks {
		if oi == ti {
			continue
		}
		o := &f.tracks[oi]
		if o.logit < 0 || (tallOnly && o.l <= 6) {
			continue
		}
		c := geom.Vec2{X: o.x[0], Y: o.x[1]}
		r := 0.5 * math.Hypot(o.l, o.w)
		if c.Dist(p) > d || geom.SegmentDist(c, p, q) > r {
			continue
		}
		b := geom.Box{Center: geom.Pose{X: c.X, Y: c.Y, Heading: o.h}, Length: o.l, Width: o.w}
		if b.SegmentIntersects(p, q) && !b.Contains(q) {
			return true
		}
	}
	return false
}

// prune drops tracks whose existence fell under DeleteLogit or that had no detection for MaxCoast, and the
// weaker of two tracks whose boxes overlap (IoU over 0.3: one object tracked twice).
func (f *Fuser) prune(tj float64) {
	cfg := &f.cfg
	n := len(f.tracks)
	f.keep = grow(f.keep, n)
	for i := range f.tracks {
		tr := &f.tracks[i]
		f.keep[i] = tr.logit >= cfg.DeleteLogit && tj-tr.last <= cfg.MaxCoast && finite(tr.x[0]) && finite(tr.x[1]) &&
			finite(tr.p[0][0]) && finite(tr.p[1][1])
	}
	f.sortByX()
	for a := 0; a < n; a++ {
		ia := int(f.byX[a])
		if !f.keep[ia] {
			continue
		}
		ta := &f.tracks[ia]
		for b := a + 1; b < n; b++ {
			ib := int(f.byX[b])
			tb := &f.tracks[ib]
			if tb.x[0]-ta.x[0] > 5 {
				break
			}
			if !f.keep[ib] || math.Abs(tb.x[1]-ta.x[1]) > 5 {
				continue
			}
			ba := geom.Box{Center: geom.Pose{X: ta.x[0], Y: ta.x[1], Heading: ta.h}, Length: ta.l, Width: ta.w}
			bb := geom.Box{Center: geom.Pose{X: tb.x[0], Y: tb.x[1], Heading: tb.h}, Length: tb.l, Width: tb.w}
			if geom.BoxIoU(ba, bb) > 0.3 {
				if tb.logit > ta.logit || (tb.logit == ta.logit && ib < ia) {
					f.keep[ia] = false
					break
				}
				f.keep[ib] = false
			}
		}
	}
	k := 0
	for i := range f.tracks {
		if f.keep[i] {
			f.tracks[k] = f.tracks[i]
			k++
		} else {
			f.Stats.Deaths++
		}
	}
	f.tracks = f.tracks[:k]
}
