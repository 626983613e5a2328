package perception

import (
	"math"
	"math/rand/v2"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// SensorConfig is a sender's sensor model.
type SensorConfig struct {
	Range float64 // m
	FOV   float64 // full field of view, rad (2*pi: all around)
	// Mount is how far ahead of the sender's reference pose the sensor sits, m (the ego's reference is its
	// rear axle).
	Mount float64
	// PdNear and PdFar are the detection probabilities of a fully visible object at the sensor and at Range;
	// in between it falls with the squared distance.
	PdNear, PdFar float64
	// MinVisible is the share of an object's sample points (centre and four inner corners) that must be in
	// view, unoccluded, for it to be detectable at all; detection probability scales with the share.
	MinVisible float64
	// TallOccludersOnly: only long vehicles (over 6 m: trucks, buses) occlude, as for a pole-mounted sensor.
	TallOccludersOnly bool
	// Centre noise: sigma = Sigma0 + SigmaPerM * distance along the line of sight (range) and across it.
	Sigma0, RangeSigmaPerM, BearingSigmaPerM float64
	HeadingSigma                             float64 // rad
	SizeSigmaFrac                            float64 // size noise as a fraction of the size
	FalsePositives                           float64 // expected false positives per frame (Poisson)
	// Own pose error, drawn per frame: sigma of x and y, m, and of the heading, rad.
	PoseSigmaXY, PoseSigmaYaw float64
	// ClockSigma is the standard deviation of the sender's fixed clock offset, s.
	ClockSigma float64
}

// EgoSensor is the ego's roof lidar: all around, 80 m. Its detections are in the ego's own frame, so it
// has no pose error and no clock offset.
func EgoSensor() SensorConfig {
	return SensorConfig{Range: 80, FOV: 2 * math.Pi, Mount: 1.5, PdNear: 0.97, PdFar: 0.55, MinVisible: 0.2,
		Sigma0: 0.05, RangeSigmaPerM: 0.002, BearingSigmaPerM: 0.0015, HeadingSigma: 0.03, SizeSigmaFrac: 0.03,
		FalsePositives: 0.3}
}

// VehicleSensor is a connected vehicle's lidar: all around, 70 m, with the pose error of REFERENCE.md
// (sigma_xy 0.2 m, sigma_yaw 0.2 deg per frame) and a clock offset of 10 ms sigma.
func VehicleSensor() SensorConfig {
	s := EgoSensor()
	s.Range, s.Mount = 70, 0
	s.PoseSigmaXY, s.PoseSigmaYaw, s.ClockSigma = 0.2, 0.2*math.Pi/180, 0.01
	return s
}

// RSUSensor is a roadside unit's pole-mounted lidar at an intersection: all around, 90 m, seen over cars
// (only long vehicles occlude), pose error as a connected vehicle's.
func RSUSensor() SensorConfig {
	s := VehicleSensor()
	s.Range, s.TallOccludersOnly, s.PdFar = 90, true, 0.6
	return s
}

// FaultKind is a way a sender misbehaves.
type FaultKind uint8

// Sender faults.
const (
	FaultNone       FaultKind = iota
	FaultDropout              // sends nothing
	FaultFlood                // sends FloodDetections made-up detections per message, besides its own
	FaultBiasedPose           // lies about its pose: detections shifted and turned by PoseBias
	FaultNaNCov               // reports NaN covariances
	FaultClockJump            // its clock jumps by ClockJump seconds
)

// String names the fault.
func (k FaultKind) String() string {
	return [...]string{"none", "dropout", "flood", "biased_pose", "nan_cov", "clock_jump"}[min(int(k), 5)]
}

// Fault is a sender's misbehaviour from time Start on.
type Fault struct {
	Kind            FaultKind
	Start           float64   // s
	PoseBias        geom.Pose // FaultBiasedPose: added to the sender's pose estimate (x, y in the sender frame)
	ClockJump       float64   // FaultClockJump: s added to every capture stamp
	FloodDetections int       // FaultFlood: made-up detections per message
}

// Sender is one source of detections: the ego's sensor, a connected vehicle or a roadside unit.
type Sender struct {
	Info   SenderInfo
	Sensor SensorConfig
	// Track is the scenario track a connected vehicle follows (-1 for others).
	Track int
	// Pose is a roadside unit's fixed pose.
	Pose  geom.Pose
	Fault Fault

	clock float64 // fixed clock offset, s
	seed  uint64
	seq   int
	pcg   *rand.PCG
	rng   *rand.Rand
	// scratch
	cand []candidate
}

// candidate is an object in the sender's sensor range.
type candidate struct {
	i         int     // index in the occluder list
	d         float64 // centre distance from the sensor
	bearing   float64
	halfAngle float64 // angular half-width seen from the sensor
}

// NewSender returns a sender with its own random stream (seeded from seed and its name) and its clock
// offset drawn.
func NewSender(info SenderInfo, sensor SensorConfig, seed uint64) *Sender {
	s := &Sender{Info: info, Sensor: sensor, Track: -1, seed: mix(seed, hashString(info.Name))}
	s.pcg = rand.NewPCG(s.seed, 0x9e3779b97f4a7c15)
	s.rng = rand.New(s.pcg)
	s.clock = s.rng.NormFloat64() * sensor.ClockSigma
	return s
}

// ClockOffset returns the sender's fixed clock offset, s.
func (s *Sender) ClockOffset() float64 { return s.clock }

// Sense simulates one frame of the sensor at true time t, with the sender's true reference pose and the
// scene's boxes (the ground-truth objects; self is the index of the sender's own object among them, -1 for
// none; extra is one more occluder that is not to be detected, such as the ego's footprint for the other
// senders, or nil). It fills m (reusing m.Dets) and reports false when the sender sends nothing this frame.
// The draws depend only on the sender's seed and the frame, so the same frame senses the same.
func (s *Sender) Sense(frame int, t float64, pose geom.Pose, truth []scenarios.Object, self int, extra *geom.Box, m *Message) bool {
	s.pcg.Seed(mix(s.seed, uint64(frame)), 0x2545f4914f6cdd1d)
	cfg := &s.Sensor
	faulty := s.Fault.Kind != FaultNone && t >= s.Fault.Start
	if faulty && s.Fault.Kind == FaultDropout {
		return false
	}
	sensorPose := pose.Translate(cfg.Mount, 0)
	// The sender's estimate of its own pose.
	believed := sensorPose
	if cfg.PoseSigmaXY > 0 || cfg.PoseSigmaYaw > 0 {
		believed.X += s.rng.NormFloat64() * cfg.PoseSigmaXY
		believed.Y += s.rng.NormFloat64() * cfg.PoseSigmaXY
		believed.Heading += s.rng.NormFloat64() * cfg.PoseSigmaYaw
	}
	if faulty && s.Fault.Kind == FaultBiasedPose {
		b := s.Fault.PoseBias
		believed = geom.Pose{X: believed.X, Y: believed.Y, Heading: believed.Heading + b.Heading}.Translate(b.X, b.Y)
	}
	s.seq++
	m.Seq = s.seq
	m.Capture = t + s.clock
	if faulty && s.Fault.Kind == FaultClockJump {
		m.Capture += s.Fault.ClockJump
	}
	m.Pose, m.Range, m.FOV = believed, cfg.Range, cfg.FOV
	m.Dets = m.Dets[:0]

	p := sensorPose.Pos()
	// Candidates: objects whose box can reach into range and field of view.
	s.cand = s.cand[:0]
	n := len(truth)
	for i := 0; i <= n; i++ {
		var b geom.Box
		if i < n {
			b = truth[i].Box
		} else if extra != nil {
			b = *extra
		} else {
			break
		}
		r := 0.5 * math.Hypot(b.Length, b.Width)
		d := p.Dist(b.Center.Pos())
		if d-r > cfg.Range || !(d == d) {
			continue
		}
		rel := b.Center.Pos().Sub(p)
		c := candidate{i: i, d: d, bearing: math.Atan2(rel.Y, rel.X), halfAngle: math.Pi}
		if d > r {
			c.halfAngle = math.Asin(r / d)
		}
		s.cand = append(s.cand, c)
	}
	for ci := range s.cand {
		c := &s.cand[ci]
		if c.i >= n || c.i == self {
			continue
		}
		o := &truth[c.i]
		vis := s.visibility(ci, self, p, sensorPose.Heading, truth, extra)
		if vis < cfg.MinVisible || vis == 0 {
			continue
		}
		x := math.Min(1, c.d/cfg.Range)
		pd := (cfg.PdNear - (cfg.PdNear-cfg.PdFar)*x*x) * math.Min(1, vis/0.6)
		if s.rng.Float64() >= pd {
			continue
		}
		det := s.measure(o.Box, o.Type, c.d, vis, x, sensorPose, believed)
		if o.Indicator != scenarios.IndicatorOff && s.rng.Float64() < 0.9 {
			det.Indicator = o.Indicator // a blinking light is seen in most frames
		}
		m.Dets = append(m.Dets, det)
	}
	// False positives, uniform over the covered area.
	nfp := poisson(s.rng, cfg.FalsePositives)
	flood := 0
	if faulty && s.Fault.Kind == FaultFlood {
		flood = s.Fault.FloodDetections
	}
	for k := 0; k < nfp+flood; k++ {
		d := cfg.Range * math.Sqrt(s.rng.Float64())
		a := sensorPose.Heading + (s.rng.Float64()-0.5)*cfg.FOV
		c := p.Add(geom.Unit(a).Scale(d))
		b := geom.Box{Center: geom.Pose{X: c.X, Y: c.Y, Heading: s.rng.Float64() * 2 * math.Pi}, Length: 4.2 + s.rng.Float64(), Width: 1.8 + 0.2*s.rng.Float64()}
		det := s.measure(b, scenarios.Vehicle, d, 1, d/cfg.Range, sensorPose, believed)
		det.Score = 0.1 + 0.45*s.rng.Float64()
		if k >= nfp {
			det.Score = 0.6 + 0.4*s.rng.Float64() // a flood claims to be sure
		}
		m.Dets = append(m.Dets, det)
	}
	if faulty && s.Fault.Kind == FaultNaNCov {
		for i := range m.Dets {
			m.Dets[i].Cov = Cov2{math.NaN(), math.NaN(), math.NaN()}
		}
	}
	return true
}

// visibility returns the share of candidate ci's sample points that are in the field of view, in range
// and not hidden behind a nearer box.
func (s *Sender) visibility(ci, self int, p geom.Vec2, heading float64, truth []scenarios.Object, extra *geom.Box) float64 {
	cfg := &s.Sensor
	c := s.cand[ci]
	b := truth[c.i].Box
	k := b.Corners()
	ctr := b.Center.Pos()
	pts := [5]geom.Vec2{ctr, geom.Lerp(ctr, k[0], 0.7), geom.Lerp(ctr, k[1], 0.7), geom.Lerp(ctr, k[2], 0.7), geom.Lerp(ctr, k[3], 0.7)}
	seen := 0
	for _, q := range pts {
		rel := q.Sub(p)
		if rel.Norm() > cfg.Range {
			continue
		}
		if cfg.FOV < 2*math.Pi && math.Abs(geom.AngleDiff(math.Atan2(rel.Y, rel.X), heading)) > cfg.FOV/2 {
			continue
		}
		hidden := false
		for oj := range s.cand {
			o := &s.cand[oj]
			if oj == ci || o.d >= c.d || math.Abs(geom.AngleDiff(o.bearing, c.bearing)) > o.halfAngle+c.halfAngle {
				continue
			}
			var ob geom.Box
			if o.i < len(truth) {
				if o.i == self {
					continue
				}
				ob = truth[o.i].Box
			} else {
				ob = *extra
			}
			if cfg.TallOccludersOnly && ob.Length <= 6 {
				continue
			}
			if ob.SegmentIntersects(p, q) {
				hidden = true
				break
			}
		}
		if !hidden {
			seen++
		}
	}
	return float64(seen) / float64(len(pts))
}

// measure turns a true box into a noisy detection in the world frame as the sender computes it: the box
// relative to the sensor's true pose, with noise along and across the line of sight, placed with the
// sender's believed pose; the reported covariance covers the sensor noise and the pose uncertainty.
func (s *Sender) measure(b geom.Box, typ scenarios.ObjectType, d, vis, x float64, sensorPose, believed geom.Pose) Detection {
	cfg := &s.Sensor
	rel := sensorPose.ToLocal(b.Center.Pos())
	bearing := math.Atan2(rel.Y, rel.X)
	sr := cfg.Sigma0 + cfg.RangeSigmaPerM*d
	sb := cfg.Sigma0 + cfg.BearingSigmaPerM*d
	noisy := rel.Add(geom.Unit(bearing).Scale(s.rng.NormFloat64() * sr)).Add(geom.Unit(bearing).Perp().Scale(s.rng.NormFloat64() * sb))
	relH := geom.AngleDiff(b.Center.Heading, sensorPose.Heading) + s.rng.NormFloat64()*cfg.HeadingSigma
	w := believed.ToWorld(noisy)
	worldBearing := bearing + believed.Heading
	across := sb*sb + (d*cfg.PoseSigmaYaw)*(d*cfg.PoseSigmaYaw)
	cov := Rotated(sr*sr, across, worldBearing)
	cov.XX += cfg.PoseSigmaXY * cfg.PoseSigmaXY
	cov.YY += cfg.PoseSigmaXY * cfg.PoseSigmaXY
	score := 0.55 + 0.4*vis*(1-0.5*x*x) + 0.04*s.rng.NormFloat64()
	return Detection{
		Box: geom.Box{
			Center: geom.Pose{X: w.X, Y: w.Y, Heading: geom.NormalizeAngle(relH + believed.Heading)},
			Length: math.Max(0.2, b.Length*(1+cfg.SizeSigmaFrac*s.rng.NormFloat64())),
			Width:  math.Max(0.2, b.Width*(1+cfg.SizeSigmaFrac*s.rng.NormFloat64())),
		},
		Type:       typ,
		Score:      math.Max(0.01, math.Min(1, score)),
		Cov:        cov,
		HeadingVar: cfg.HeadingSigma*cfg.HeadingSigma + cfg.PoseSigmaYaw*cfg.PoseSigmaYaw,
	}
}

// poisson draws a Poisson count (Knuth's method; for the small means used here).
func poisson(r *rand.Rand, mean float64) int {
	if !(mean > 0) {
		return 0
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l || k > 1000 {
			return k
		}
		k++
	}
}

// mix combines two 64-bit values into a well-spread seed (splitmix64 finaliser).
func mix(a, b uint64) uint64 {
	z := a ^ (b + 0x9e3779b97f4a7c15 + (a << 6) + (a >> 2))
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hashString is FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
