package perception

import (
	"math"
	"testing"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

func car(id string, x, y, h float64) scenarios.Object {
	return scenarios.Object{ID: id, Track: -1, Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: x, Y: y, Heading: h}, Length: 4.5, Width: 1.9}}
}

// detectionRate senses the scene for many frames and returns how often object want (by position) was
// detected (a detection within 1.5 m).
func detectionRate(s *Sender, pose geom.Pose, truth []scenarios.Object, want geom.Vec2, frames int) float64 {
	var m Message
	hits := 0
	for k := 0; k < frames; k++ {
		if !s.Sense(k, float64(k)*0.1, pose, truth, -1, nil, &m) {
			continue
		}
		for _, d := range m.Dets {
			if d.Box.Center.Pos().Dist(want) < 1.5 && d.Score > 0.56 {
				hits++
				break
			}
		}
	}
	return float64(hits) / float64(frames)
}

func TestSensorRangeFieldOfViewOcclusion(t *testing.T) {
	cfg := EgoSensor()
	cfg.Mount, cfg.FalsePositives = 0, 0
	narrow := cfg
	narrow.FOV = math.Pi / 2
	origin := geom.Pose{}
	cases := []struct {
		name     string
		sensor   SensorConfig
		truth    []scenarios.Object
		want     geom.Vec2
		min, max float64
	}{
		{"near, in view", cfg, []scenarios.Object{car("a", 15, 0, 0)}, geom.V(15, 0), 0.9, 1},
		{"far, in range", cfg, []scenarios.Object{car("a", 75, 0, 0)}, geom.V(75, 0), 0.4, 0.75},
		{"beyond range", cfg, []scenarios.Object{car("a", 95, 0, 0)}, geom.V(95, 0), 0, 0},
		{"behind, narrow view", narrow, []scenarios.Object{car("a", -15, 0, 0)}, geom.V(-15, 0), 0, 0},
		{"ahead, narrow view", narrow, []scenarios.Object{car("a", 15, 0, 0)}, geom.V(15, 0), 0.9, 1},
		// A truck right in front hides the car behind it.
		{"occluded", cfg, []scenarios.Object{
			{ID: "truck", Type: scenarios.Vehicle, Box: geom.Box{Center: geom.Pose{X: 10}, Length: 12, Width: 2.6}},
			car("a", 30, 0, 0)}, geom.V(30, 0), 0, 0},
	}
	for _, c := range cases {
		s := NewSender(SenderInfo{Name: "ego", Kind: KindEgo}, c.sensor, 1)
		got := detectionRate(s, origin, c.truth, c.want, 400)
		if got < c.min || got > c.max {
			t.Errorf("%s: detected in %.2f of frames, want [%.2f, %.2f]", c.name, got, c.min, c.max)
		}
	}
	// A pole-mounted unit sees over the truck? No: only long vehicles occlude it, and a truck is long. Over
	// a car, yes.
	rsu := RSUSensor()
	rsu.FalsePositives, rsu.PoseSigmaXY, rsu.PoseSigmaYaw = 0, 0, 0
	s := NewSender(SenderInfo{Name: "rsu", Kind: KindRSU}, rsu, 1)
	if got := detectionRate(s, origin, []scenarios.Object{car("b", 8, 0, 0), car("a", 30, 0, 0)}, geom.V(30, 0), 200); got < 0.8 {
		t.Errorf("roadside unit sees the car behind a car in %.2f of frames, want most", got)
	}
}

// The noise a sender adds matches the covariance it reports (pose error included): the mean squared
// Mahalanobis error of 2-D centres is 2.
func TestSensorReportsItsNoise(t *testing.T) {
	for _, sensor := range []SensorConfig{EgoSensor(), VehicleSensor()} {
		sensor.FalsePositives = 0
		s := NewSender(SenderInfo{Name: "v", Kind: KindVehicle}, sensor, 3)
		truth := []scenarios.Object{car("a", 20, 5, 0.3), car("b", -40, 10, 2), car("c", 5, -50, -1)}
		var m Message
		sum, n := 0.0, 0
		for k := 0; k < 2000; k++ {
			s.Sense(k, float64(k)*0.1, geom.Pose{X: 1, Y: 2, Heading: 0.4}, truth, -1, nil, &m)
			for _, d := range m.Dets {
				for _, o := range truth {
					if e := d.Box.Center.Pos().Sub(o.Box.Center.Pos()); e.Norm() < 2 {
						sum += d.Cov.Mahalanobis2(e)
						n++
					}
				}
			}
		}
		if nees := sum / float64(n); math.Abs(nees-2) > 0.2 {
			t.Errorf("sensor %+v: mean squared Mahalanobis error %.3f over %d detections, want 2", sensor, nees, n)
		}
	}
}

func TestSensorDeterministic(t *testing.T) {
	truth := []scenarios.Object{car("a", 20, 5, 0.3), car("b", -40, 10, 2)}
	var m1, m2 Message
	a := NewSender(SenderInfo{Name: "vehicle0", Kind: KindVehicle}, VehicleSensor(), 5)
	b := NewSender(SenderInfo{Name: "vehicle0", Kind: KindVehicle}, VehicleSensor(), 5)
	a.Sense(3, float64(3)*0.1, geom.Pose{}, truth, -1, nil, &m1) // b skips frames 0-2: the draws depend on the frame only
	for k := 0; k <= 3; k++ {
		b.Sense(k, float64(k)*0.1, geom.Pose{}, truth, -1, nil, &m2)
	}
	if len(m1.Dets) != len(m2.Dets) || m1.Capture != m2.Capture || m1.Pose != m2.Pose || len(m1.Dets) == 0 {
		t.Fatalf("frame 3 differs: %+v vs %+v", m1, m2)
	}
	for i := range m1.Dets {
		if m1.Dets[i] != m2.Dets[i] {
			t.Fatalf("detection %d differs", i)
		}
	}
}

func TestChannelDelays(t *testing.T) {
	for _, model := range []DelayModel{DelayBinomial, DelayUniform} {
		for _, expected := range []float64{0, 0.1, 0.3, 0.5} {
			cfg := DefaultChannel(expected)
			cfg.Model = model
			c := NewChannel(cfg, 11)
			m := Message{Dets: make([]Detection, 30)}
			sum, n, maxD, reordered := 0.0, 0, 0.0, 0
			last := -1.0
			const frames = 4000
			for k := 0; k < frames; k++ {
				t0 := float64(k) * 0.1
				m.Capture = t0
				c.Send(&m, t0, k)
				c.Deliver(t0, func(got *Message, arrival float64) {
					d := arrival - got.Capture
					sum += d
					n++
					maxD = math.Max(maxD, d)
					if got.Capture < last {
						reordered++
					}
					last = got.Capture
					if model == DelayBinomial && math.Abs(d*10-math.Round(d*10)) > 1e-9 {
						t.Errorf("binomial delay %.3f s is not a whole number of frames", d)
					}
				})
			}
			mean := sum / float64(n)
			tol := 0.02
			if model == DelayUniform {
				tol = 0.06 // arrivals wait for the next 100 ms tick
			}
			if math.Abs(mean-expected) > tol+0.05*expected && !(model == DelayUniform && mean >= expected && mean <= expected+0.1) {
				t.Errorf("%s %.1f s: mean delay %.3f s", model, expected, mean)
			}
			if model == DelayBinomial && maxD > 1.0+1e-9 {
				t.Errorf("binomial delay up to %.2f s, want at most 1 s", maxD)
			}
			if expected >= 0.3 && reordered == 0 {
				t.Errorf("%s %.1f s: no message overtook another", model, expected)
			}
			lossRate := float64(c.Stats.Lost) / frames
			if lossRate < 0.01 || lossRate > 0.03 || c.Stats.Duplicated == 0 {
				t.Errorf("%s: lost %.3f, duplicated %d", model, lossRate, c.Stats.Duplicated)
			}
		}
	}
}
