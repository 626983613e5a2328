package perception

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// BenchConfig is the open-loop perception benchmark: every method at every expected delay on the scenario's
// logged ego and agents.
type BenchConfig struct {
	Delays  []float64 // expected delays, s
	Methods []Method
	// Base is the stack's setup; Method and Channel.Expected are set per run.
	Base Config
	// WarmUp is skipped at the start of every scenario before frames are scored, s.
	WarmUp float64
	AP     APConfig
}

// DefaultBench returns the benchmark over the given expected delays (s) with every method.
func DefaultBench(delays []float64) BenchConfig {
	return BenchConfig{Delays: delays, Methods: Methods, Base: DefaultConfig(MethodFused, 0), WarmUp: 1, AP: DefaultAP()}
}

// BenchAccum holds a benchmark's counts per method and delay; accumulators of scenarios merge.
type BenchAccum struct {
	Methods   []Method
	Delays    []float64
	Acc       [][]*APAccumulator // [method][delay]
	Scenarios int
	Frames    int
}

// NewBenchAccum returns empty counts for cfg.
func NewBenchAccum(cfg BenchConfig) *BenchAccum {
	a := &BenchAccum{Methods: cfg.Methods, Delays: cfg.Delays}
	for range cfg.Methods {
		row := make([]*APAccumulator, len(cfg.Delays))
		for d := range row {
			row[d] = NewAPAccumulator(cfg.AP)
		}
		a.Acc = append(a.Acc, row)
	}
	return a
}

// Merge adds o's counts (of the same configuration).
func (a *BenchAccum) Merge(o *BenchAccum) {
	for m := range a.Acc {
		for d := range a.Acc[m] {
			a.Acc[m][d].Merge(o.Acc[m][d])
		}
	}
	a.Scenarios += o.Scenarios
	a.Frames += o.Frames
}

// GroundTruth returns the scenario's objects at frame i from its logs (the non-reactive world).
func GroundTruth(sc *scenarios.Scenario, i int, buf []scenarios.Object) []scenarios.Object {
	buf = buf[:0]
	for ti := range sc.Tracks {
		tr := &sc.Tracks[ti]
		st, ok := tr.StateAt(i)
		if !ok {
			continue
		}
		buf = append(buf, scenarios.Object{ID: tr.ID, Track: ti, Type: tr.Type, Box: st.Box(tr.Length, tr.Width),
			Vel: geom.Vec2{X: st.VX, Y: st.VY}, Indicator: st.Indicator})
	}
	return buf
}

// BenchScenario runs every method at every delay on sc (the ego on its expert log) and scores the frames
// after the warm-up. The ego-only method has no delay and runs once, its counts shared by every delay.
func BenchScenario(sc *scenarios.Scenario, cfg BenchConfig) (*BenchAccum, error) {
	acc := NewBenchAccum(cfg)
	steps := sc.Steps()
	truth := make([][]scenarios.Object, steps+1)
	for i := range truth {
		truth[i] = GroundTruth(sc, i, nil)
	}
	first := int(math.Ceil(cfg.WarmUp/sc.DT - 1e-9))
	egoVehicle := cfg.Base.EgoVehicle
	if egoVehicle == (dynamics.VehicleParams{}) {
		egoVehicle = sc.EgoVehicle()
	}
	for mi, m := range cfg.Methods {
		for di, delay := range cfg.Delays {
			if m == MethodEgo && di > 0 {
				acc.Acc[mi][di].Merge(acc.Acc[mi][0])
				continue
			}
			c := cfg.Base
			c.Method, c.Channel.Expected = m, delay
			st, err := New(sc, c)
			if err != nil {
				return nil, err
			}
			for i := 0; i <= steps; i++ {
				t := float64(i) * sc.DT
				ego := sc.Expert[i].Pose
				tracks := st.Step(t, ego, truth[i])
				if i >= first {
					acc.Acc[mi][di].AddFrame(egoVehicle.Footprint(ego).Center, tracks, truth[i])
					if mi == 0 && di == 0 {
						acc.Frames++
					}
				}
			}
		}
	}
	acc.Scenarios = 1
	return acc, nil
}

// BenchRow is one method at one expected delay.
type BenchRow struct {
	Method  Method  `json:"method"`
	DelayMS float64 `json:"delay_ms"`
	AP50    float64 `json:"ap50"`
	AP70    float64 `json:"ap70"`
	// RMSE is the position RMSE (m) of the reported objects matched within 3 m; null without matches.
	RMSE       *float64 `json:"rmse_m"`
	GT         int64    `json:"gt_boxes"`
	Detections int64    `json:"detections"`
}

// BenchTargets are the delay targets, computed from the rows.
type BenchTargets struct {
	FromMS, ToMS float64
	// LateLossAP70 and FusedLossAP70 are the AP@0.7 lost from the first to the last delay.
	LateLossAP70  float64 `json:"late_loss_ap70"`
	FusedLossAP70 float64 `json:"fused_loss_ap70"`
	// LossRatio is FusedLossAP70 / LateLossAP70 (target <= 1/3).
	LossRatio float64 `json:"loss_ratio"`
	// FusedAboveEgo is true when fused AP@0.7 is above ego-only at every delay.
	FusedAboveEgo bool `json:"fused_above_ego_every_delay"`
	Met           bool `json:"met"`
}

// BenchReport is what perception.json holds.
type BenchReport struct {
	Scenarios int    `json:"scenarios"`
	Failed    int    `json:"failed"`
	Frames    int    `json:"frames_per_method"`
	Source    string `json:"source"`
	// Protocol describes the evaluation in words (sorting, matching, range filter, classes).
	Protocol   string        `json:"protocol"`
	DelayModel string        `json:"delay_model"`
	Rows       []BenchRow    `json:"rows"`
	Targets    *BenchTargets `json:"targets,omitempty"`
}

// Protocol is the evaluation protocol in words.
const Protocol = "BEV AP at rotated IoU 0.5 and 0.7, VOC all-point interpolation; per frame, detections in order " +
	"of score (track existence, or detection score for late fusion) are matched greedily to the remaining " +
	"ground-truth box of highest IoU; true and false positives are then sorted globally over all frames and " +
	"scenarios (scores quantised to 1e-4); vehicles only; ground truth and detections filtered by centre to " +
	"x in [-100, 100] m, y in [-40, 40] m in the ego's frame; the first second of every scenario is not scored; " +
	"position RMSE over objects reported with existence >= 0.5 matched greedily to the nearest ground-truth " +
	"centre within 3 m"

// Report turns the counts into rows (methods in order, then delays) and the targets.
func (a *BenchAccum) Report() BenchReport {
	rep := BenchReport{Scenarios: a.Scenarios, Frames: a.Frames, Protocol: Protocol}
	idx := map[Method]int{}
	for mi, m := range a.Methods {
		idx[m] = mi
		for di, d := range a.Delays {
			acc := a.Acc[mi][di]
			row := BenchRow{Method: m, DelayMS: math.Round(d * 1000), AP50: acc.AP(0), AP70: acc.AP(1), GT: acc.NGT, Detections: acc.NDet}
			if r := acc.RMSE(); !math.IsNaN(r) {
				row.RMSE = &r
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	li, lok := idx[MethodLate]
	fi, fok := idx[MethodFused]
	ei, eok := idx[MethodEgo]
	if lok && fok && eok && len(a.Delays) >= 2 {
		n := len(a.Delays) - 1
		t := &BenchTargets{FromMS: a.Delays[0] * 1000, ToMS: a.Delays[n] * 1000}
		t.LateLossAP70 = a.Acc[li][0].AP(1) - a.Acc[li][n].AP(1)
		t.FusedLossAP70 = a.Acc[fi][0].AP(1) - a.Acc[fi][n].AP(1)
		if t.LateLossAP70 > 0 {
			t.LossRatio = t.FusedLossAP70 / t.LateLossAP70
		}
		t.FusedAboveEgo = true
		for d := range a.Delays {
			if a.Acc[fi][d].AP(1) <= a.Acc[ei][d].AP(1) {
				t.FusedAboveEgo = false
			}
		}
		t.Met = t.FusedAboveEgo && t.LateLossAP70 > 0 && t.FusedLossAP70 <= t.LateLossAP70/3
		rep.Targets = t
	}
	return rep
}

// WriteBenchTable prints the report as a table: one line per method and delay.
func WriteBenchTable(w io.Writer, rep BenchReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "method\tdelay ms\tAP@0.5\tAP@0.7\tRMSE m\tGT boxes\tdetections\t\n")
	for _, r := range rep.Rows {
		rmse := "-"
		if r.RMSE != nil {
			rmse = fmt.Sprintf("%.3f", *r.RMSE)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%s\t%d\t%d\t\n", r.Method, r.DelayMS, r.AP50, r.AP70, rmse, r.GT, r.Detections)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t := rep.Targets; t != nil {
		_, err := fmt.Fprintf(w, "\nAP@0.7 lost from %.0f to %.0f ms: late %.2f, fused %.2f (ratio %.3f, target <= 0.333); fused above ego-only at every delay: %v; targets met: %v\n",
			t.FromMS, t.ToMS, t.LateLossAP70, t.FusedLossAP70, t.LossRatio, t.FusedAboveEgo, t.Met)
		return err
	}
	return nil
}
