package perception

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// DelayModel is how a channel draws a message's delay.
type DelayModel uint8

// Delay models.
const (
	// DelayBinomial: Binomial(10, p) frames of Frame seconds, as DAIR-V2X's and CoDynTrust's readers do;
	// p = Expected / (10 * Frame), so Expected runs from 0 to 10 frames.
	DelayBinomial DelayModel = iota
	// DelayUniform: OpenCOOD's "real" mode: a uniform overhead U(0, 2*o) plus the transmission time
	// (size / bandwidth) plus a fixed backbone delay, o chosen so that the mean is Expected.
	DelayUniform
)

// String returns "binomial" or "uniform".
func (d DelayModel) String() string {
	if d == DelayUniform {
		return "uniform"
	}
	return "binomial"
}

// ParseDelayModel reads "binomial" or "uniform".
func ParseDelayModel(s string) (DelayModel, error) {
	switch strings.ToLower(s) {
	case "binomial", "":
		return DelayBinomial, nil
	case "uniform":
		return DelayUniform, nil
	}
	return 0, fmt.Errorf("unknown delay model %q (want binomial or uniform)", s)
}

// ChannelConfig describes the network between a sender and the ego.
type ChannelConfig struct {
	Model    DelayModel
	Expected float64 // expected delay, s
	Frame    float64 // the binomial model's delay quantum, s (0: 0.1)
	// Uniform model: bandwidth in bytes per second (0: 27 Mbit/s as OpenCOOD) and the fixed backbone delay, s.
	Bandwidth float64
	Backbone  float64
	// Loss and Duplicate are the probabilities that a message is lost, or delivered twice (the copy with a
	// delay of its own, so copies may arrive out of order).
	Loss, Duplicate float64
}

// DefaultChannel is the binomial model at the expected delay with 2 % loss and 1 % duplicates.
func DefaultChannel(expected float64) ChannelConfig {
	return ChannelConfig{Model: DelayBinomial, Expected: expected, Frame: 0.1, Loss: 0.02, Duplicate: 0.01}
}

// messageBytes is the size of a message on the wire: a header and 40 bytes per detection.
func messageBytes(m *Message) float64 { return 64 + 40*float64(len(m.Dets)) }

// Channel carries one sender's messages to the receiver with random delay, loss, duplication and
// reordering. The draws for a message depend only on the channel's seed and the message's frame, and the
// binomial draws of different expected delays are coupled (the same uniforms), so a longer expected delay
// delays the same messages more.
type Channel struct {
	cfg     ChannelConfig
	seed    uint64
	pcg     *rand.PCG
	rng     *rand.Rand
	pending []inflight
	free    [][]Detection
	order   int
	Stats   ChannelStats
}

// ChannelStats counts what a channel did.
type ChannelStats struct {
	Sent, Lost, Duplicated, Delivered int
}

type inflight struct {
	arrival float64
	order   int
	msg     Message
}

// NewChannel returns a channel with its own random stream.
func NewChannel(cfg ChannelConfig, seed uint64) *Channel {
	if cfg.Frame <= 0 {
		cfg.Frame = 0.1
	}
	if cfg.Bandwidth <= 0 {
		cfg.Bandwidth = 27e6 / 8
	}
	c := &Channel{cfg: cfg, seed: seed}
	c.pcg = rand.NewPCG(seed, 0x632be59bd9b4e019)
	c.rng = rand.New(c.pcg)
	return c
}

// delay draws one delay, s.
func (c *Channel) delay(m *Message) float64 {
	cfg := &c.cfg
	switch cfg.Model {
	case DelayUniform:
		trans := messageBytes(m) / cfg.Bandwidth
		o := math.Max(0, cfg.Expected-trans-cfg.Backbone)
		return c.rng.Float64()*2*o + trans + cfg.Backbone
	default:
		p := math.Max(0, math.Min(1, cfg.Expected/(10*cfg.Frame)))
		k := 0
		for range 10 {
			if c.rng.Float64() < p {
				k++
			}
		}
		return float64(k) * cfg.Frame
	}
}

// Send puts m (captured at true time t, frame index frame) on the channel; the channel keeps its own copy.
func (c *Channel) Send(m *Message, t float64, frame int) {
	c.pcg.Seed(mix(c.seed, uint64(frame)), 0x5851f42d4c957f2d)
	c.Stats.Sent++
	lost := c.rng.Float64() < c.cfg.Loss
	dup := c.rng.Float64() < c.cfg.Duplicate
	d1 := c.delay(m)
	d2 := c.delay(m)
	if lost {
		c.Stats.Lost++
		return
	}
	c.push(m, t+d1)
	if dup {
		c.Stats.Duplicated++
		c.push(m, t+d2)
	}
}

func (c *Channel) push(m *Message, arrival float64) {
	var buf []Detection
	if n := len(c.free); n > 0 {
		buf, c.free = c.free[n-1][:0], c.free[:n-1]
	}
	cp := *m
	cp.Dets = append(buf, m.Dets...)
	c.order++
	c.pending = append(c.pending, inflight{arrival: arrival, order: c.order, msg: cp})
}

// Deliver hands every message that has arrived by time now to fn, in order of arrival, and forgets them
// (fn must copy what it keeps).
func (c *Channel) Deliver(now float64, fn func(m *Message, arrival float64)) {
	if len(c.pending) == 0 {
		return
	}
	slices.SortFunc(c.pending, func(a, b inflight) int {
		if a.arrival != b.arrival {
			if a.arrival < b.arrival {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	n := 0
	for n < len(c.pending) && c.pending[n].arrival <= now+1e-9 {
		fn(&c.pending[n].msg, c.pending[n].arrival)
		c.free = append(c.free, c.pending[n].msg.Dets)
		n++
	}
	c.Stats.Delivered += n
	c.pending = append(c.pending[:0], c.pending[n:]...)
}

// Pending returns the number of messages in flight.
func (c *Channel) Pending() int { return len(c.pending) }
