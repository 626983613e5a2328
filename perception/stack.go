package perception

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Method is what the planner's perception is made of.
type Method string

// Methods: the ego's own sensor only (tracked, no sharing); trust-weighted fusion of every sender; naive
// late fusion of every sender.
const (
	MethodEgo   Method = "ego"
	MethodFused Method = "fused"
	MethodLate  Method = "late"
)

// Methods lists the methods in table order.
var Methods = []Method{MethodEgo, MethodLate, MethodFused}

// ParseMethod reads a method name.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown perception method %q (want ego, fused or late)", s)
}

// SenderFault gives the sender with the given name (such as "vehicle1" or "rsu0") a fault.
type SenderFault struct {
	Sender string
	Fault  Fault
}

// Config sets up a perception stack for one scenario.
type Config struct {
	Method Method
	Seed   uint64 // run seed; the scenario id is mixed in
	// Channel is the network of every sender but the ego's own sensor (which has no delay).
	Channel ChannelConfig
	// Connected vehicles chosen among the scenario's agents, and roadside units at its intersections, at most.
	Vehicles, RSUs    int
	Ego, Vehicle, RSU SensorConfig
	Fusion            FusionConfig
	Faults            []SenderFault
	EgoVehicle        dynamics.VehicleParams // the ego's footprint, an occluder for the others (zero: the scenario's)
	InflateSigma      float64                // Perceive grows boxes by this many standard deviations per side
	MinExistence      float64                // Perceive reports tracks at least this likely
}

// DefaultConfig returns the setup of the benchmark and the closed loop: the ego's lidar, two connected
// vehicles, up to two roadside units, the binomial delay model at the given expected delay (s) with 2 % loss
// and 1 % duplicates.
func DefaultConfig(m Method, expectedDelay float64) Config {
	return Config{
		Method: m, Seed: 1, Channel: DefaultChannel(expectedDelay),
		Vehicles: 2, RSUs: 2,
		Ego: EgoSensor(), Vehicle: VehicleSensor(), RSU: RSUSensor(),
		Fusion:       DefaultFusion(),
		InflateSigma: 1, MinExistence: 0.5,
	}
}

// Stack is one scenario's perception: the senders with their sensors and channels, and the method that
// turns what arrives into tracks. It implements the simulator's Perception interface (Perceive) and, for
// viewers and recorders, Snapshot.
type Stack struct {
	cfg      Config
	dt       float64
	senders  []*Sender
	infos    []SenderInfo
	channels []*Channel // nil for the ego's own sensor
	fuser    *Fuser
	late     *LateFusion
	msg      Message
	tracks   []Track
	time     float64
	objs     []scenarios.Object
	ids      map[int]string
	frames   int
}

// New builds the stack for sc: the ego's sensor (sender 0), then the connected vehicles (the agents present
// from the start within 80 m of the ego that stay longest), then the roadside units (at the intersections
// nearest the ego's logged path, within 120 m of it). The ego-only method builds the ego's sensor only.
func New(sc *scenarios.Scenario, cfg Config) (*Stack, error) {
	if sc == nil {
		return nil, fmt.Errorf("perception: nil scenario")
	}
	if _, err := ParseMethod(string(cfg.Method)); err != nil {
		return nil, fmt.Errorf("perception: %w", err)
	}
	if !(sc.DT > 0) {
		return nil, fmt.Errorf("perception: scenario %s: dt must be positive", sc.ID)
	}
	if cfg.Fusion.Frame <= 0 {
		cfg.Fusion = DefaultFusion()
	}
	cfg.Fusion.Frame = sc.DT
	if cfg.Channel.Frame <= 0 {
		cfg.Channel.Frame = sc.DT
	}
	if cfg.EgoVehicle == (dynamics.VehicleParams{}) {
		cfg.EgoVehicle = sc.EgoVehicle()
	}
	if cfg.Ego.Range == 0 {
		cfg.Ego = EgoSensor()
	}
	if cfg.Vehicle.Range == 0 {
		cfg.Vehicle = VehicleSensor()
	}
	if cfg.RSU.Range == 0 {
		cfg.RSU = RSUSensor()
	}
	seed := mix(cfg.Seed, hashString(sc.ID))
	s := &Stack{cfg: cfg, dt: sc.DT, ids: map[int]string{}}
	add := func(info SenderInfo, sensor SensorConfig, trk int, pose geom.Pose) {
		snd := NewSender(info, sensor, seed)
		snd.Track, snd.Pose = trk, pose
		s.senders = append(s.senders, snd)
		s.infos = append(s.infos, info)
		if info.Kind == KindEgo {
			s.channels = append(s.channels, nil)
		} else {
			s.channels = append(s.channels, NewChannel(cfg.Channel, mix(seed, hashString("channel/"+info.Name))))
		}
	}
	add(SenderInfo{Name: "ego", Kind: KindEgo}, cfg.Ego, -1, geom.Pose{})
	if cfg.Method != MethodEgo {
		for i, trk := range PickVehicles(sc, cfg.Vehicles) {
			add(SenderInfo{Name: "vehicle" + strconv.Itoa(i), Kind: KindVehicle}, cfg.Vehicle, trk, geom.Pose{})
		}
		for i, c := range PickRSUs(sc, cfg.RSUs) {
			add(SenderInfo{Name: "rsu" + strconv.Itoa(i), Kind: KindRSU}, cfg.RSU, -1, geom.Pose{X: c.X, Y: c.Y})
		}
	}
	for _, f := range cfg.Faults {
		found := false
		for _, snd := range s.senders {
			if snd.Info.Name == f.Sender {
				snd.Fault, found = f.Fault, true
			}
		}
		if !found {
			return nil, fmt.Errorf("perception: fault for unknown sender %q (have %s)", f.Sender, strings.Join(s.names(), ", "))
		}
	}
	switch cfg.Method {
	case MethodLate:
		s.late = NewLateFusion(len(s.infos), sc.DT)
	default:
		s.fuser = NewFuser(cfg.Fusion, s.infos)
	}
	return s, nil
}

func (s *Stack) names() []string {
	out := make([]string, len(s.infos))
	for i, in := range s.infos {
		out[i] = in.Name
	}
	return out
}

// Senders returns the sender table (sender 0 is the ego).
func (s *Stack) Senders() []SenderInfo { return s.infos }

// Sender returns sender i (to inspect or to give it a fault).
func (s *Stack) Sender(i int) *Sender { return s.senders[i] }

// Reputation returns sender i's trust reputation (1 for the late-fusion baseline, which has none).
func (s *Stack) Reputation(i int) float64 {
	if s.fuser == nil {
		return 1
	}
	return s.fuser.Reputation(i)
}

// Stats returns the fusion's counters.
func (s *Stack) Stats() FusionStats {
	if s.fuser != nil {
		return s.fuser.Stats
	}
	return s.late.Stats
}

// ChannelStats returns the sum of the senders' channel counters.
func (s *Stack) ChannelStats() ChannelStats {
	var out ChannelStats
	for _, c := range s.channels {
		if c != nil {
			out.Sent += c.Stats.Sent
			out.Lost += c.Stats.Lost
			out.Duplicated += c.Stats.Duplicated
			out.Delivered += c.Stats.Delivered
		}
	}
	return out
}

// Step runs one frame at time t: every sender senses the ground truth (the ego from its rear-axle pose),
// sends through its channel, what has arrived is received, and the method fuses. It returns the tracks,
// owned by the stack until the next call.
func (s *Stack) Step(t float64, ego geom.Pose, truth []scenarios.Object) []Track {
	frame := int(math.Round(t / s.dt))
	egoBox := s.cfg.EgoVehicle.Footprint(ego)
	for i, snd := range s.senders {
		var pose geom.Pose
		self := -1
		var extra *geom.Box
		switch snd.Info.Kind {
		case KindEgo:
			pose = ego
		case KindVehicle:
			for k := range truth {
				if truth[k].Track == snd.Track {
					self = k
					break
				}
			}
			if self < 0 {
				continue // the vehicle has left the scene
			}
			pose, extra = truth[self].Box.Center, &egoBox
		case KindRSU:
			pose, extra = snd.Pose, &egoBox
		}
		s.msg.Sender = i
		if !snd.Sense(frame, t, pose, truth, self, extra, &s.msg) {
			continue
		}
		if s.channels[i] == nil {
			s.receive(&s.msg, t)
			continue
		}
		s.channels[i].Send(&s.msg, t, frame)
	}
	for _, c := range s.channels {
		if c != nil {
			c.Deliver(t, s.receive)
		}
	}
	if s.fuser != nil {
		s.tracks = s.fuser.Fuse(t)
	} else {
		s.tracks = s.late.Fuse(t)
	}
	s.time = t
	s.frames++
	return s.tracks
}

func (s *Stack) receive(m *Message, arrival float64) {
	if s.fuser != nil {
		s.fuser.Receive(m, arrival)
	} else {
		s.late.Receive(m, arrival)
	}
}

// standstill (m/s) is the speed under which Perceive reports a track as standing.
const standstill = 0.3

// Perceive implements the simulator's Perception: the tracks at time t that are at least MinExistence
// likely, as objects for the planner, their boxes grown by InflateSigma standard deviations of the centre
// along and across them (at most 1 m per side), with speeds under 0.3 m/s reported as zero. Ids are "p<track id>"; Track is -1.
func (s *Stack) Perceive(t float64, ego dynamics.State, truth []scenarios.Object) ([]scenarios.Object, error) {
	tracks := s.Step(t, ego.Pose, truth)
	s.objs = s.objs[:0]
	for i := range tracks {
		tr := &tracks[i]
		if tr.Existence < s.cfg.MinExistence {
			continue
		}
		id, ok := s.ids[tr.ID]
		if !ok {
			id = "p" + strconv.Itoa(tr.ID)
			s.ids[tr.ID] = id
		}
		b := tr.Box
		if k := s.cfg.InflateSigma; k > 0 {
			f := b.Center.Forward()
			along := f.Dot(tr.Cov.MulVec(f))
			across := f.Perp().Dot(tr.Cov.MulVec(f.Perp()))
			b.Length += 2 * math.Min(1, k*math.Sqrt(math.Max(0, along)))
			b.Width += 2 * math.Min(1, k*math.Sqrt(math.Max(0, across)))
		}
		vel := tr.Vel
		if vel.Norm() < standstill {
			vel = geom.Vec2{} // below the noise of the estimate: standing
		}
		s.objs = append(s.objs, scenarios.Object{ID: id, Track: -1, Type: tr.Type, Box: b, Vel: vel, Indicator: tr.Indicator})
	}
	return s.objs, nil
}

// Snapshot is the perception's state at one time, for viewers and run recorders: the fused tracks (with
// their centre covariance and existence probability) and the raw detections received for the last frame.
type Snapshot struct {
	Time       float64
	Senders    []SenderInfo
	Reputation []float64 // per sender
	Tracks     []Track
	Detections []ReceivedDetection
}

// Snapshot returns a copy of the current state.
func (s *Stack) Snapshot() Snapshot {
	snap := Snapshot{Time: s.time, Senders: slices.Clone(s.infos), Tracks: slices.Clone(s.tracks)}
	snap.Reputation = make([]float64, len(s.infos))
	for i := range s.infos {
		snap.Reputation[i] = s.Reputation(i)
	}
	if s.fuser != nil {
		snap.Detections = slices.Clone(s.fuser.Received())
	} else {
		for si, lm := range s.late.latest {
			if !lm.ok {
				continue
			}
			for _, d := range lm.dets {
				snap.Detections = append(snap.Detections, ReceivedDetection{Sender: si, Capture: lm.capture, Age: s.time - lm.capture, Detection: d})
			}
		}
	}
	return snap
}

// PickVehicles chooses up to n connected vehicles among sc's agents: vehicles (shorter than 7 m) present at
// the start within 80 m of the ego, the longest-logged first (then the nearest). It returns track indices.
func PickVehicles(sc *scenarios.Scenario, n int) []int {
	if n <= 0 || len(sc.Expert) == 0 {
		return nil
	}
	ego := sc.Expert[0].Pose.Pos()
	type cand struct {
		trk, frames int
		d           float64
	}
	var cs []cand
	for i := range sc.Tracks {
		tr := &sc.Tracks[i]
		st, ok := tr.StateAt(0)
		if tr.Type != scenarios.Vehicle || tr.Length >= 7 || !ok {
			continue
		}
		if d := st.Pose.Pos().Dist(ego); d < 80 {
			cs = append(cs, cand{i, len(tr.States), d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.frames != b.frames {
			return b.frames - a.frames
		}
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return a.trk - b.trk
	})
	out := []int{}
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].trk)
	}
	return out
}

// PickRSUs places up to n roadside units at the centres of sc's intersections (clusters of lane connectors)
// within 120 m of the ego's logged path, nearest first.
func PickRSUs(sc *scenarios.Scenario, n int) []geom.Vec2 {
	if n <= 0 {
		return nil
	}
	type cluster struct {
		sum geom.Vec2
		cnt int
	}
	var cl []cluster
	for _, ln := range sc.Map.Lanes {
		if !ln.Connector || len(ln.Centerline) == 0 {
			continue
		}
		mid := ln.Centerline[len(ln.Centerline)/2]
		joined := false
		for i := range cl {
			if cl[i].sum.Scale(1/float64(cl[i].cnt)).Dist(mid) < 35 {
				cl[i].sum, cl[i].cnt, joined = cl[i].sum.Add(mid), cl[i].cnt+1, true
				break
			}
		}
		if !joined {
			cl = append(cl, cluster{mid, 1})
		}
	}
	type cand struct {
		c geom.Vec2
		d float64
	}
	var cs []cand
	for _, c := range cl {
		ctr := c.sum.Scale(1 / float64(c.cnt))
		d := math.Inf(1)
		for i := 0; i < len(sc.Expert); i += 5 {
			d = math.Min(d, sc.Expert[i].Pose.Pos().Dist(ctr))
		}
		if d < 120 {
			cs = append(cs, cand{ctr, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		switch {
		case a.d < b.d:
			return -1
		case a.d > b.d:
			return 1
		}
		return 0
	})
	out := []geom.Vec2{}
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].c)
	}
	return out
}
