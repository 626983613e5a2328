package perception

import (
	"math"
	"slices"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// APConfig is the bird's-eye-view AP evaluation: the range filter in the ego's frame (its box centre, x
// forward, y left) that both ground truth and detections must pass by their centre, and the classes scored.
type APConfig struct {
	XMin, XMax, YMin, YMax float64
	Types                  []scenarios.ObjectType
}

// DefaultAP is OpenCOOD's range (x in [-100, 100] m, y in [-40, 40] m), vehicles only (as DAIR-V2X and
// OpenCOOD score).
func DefaultAP() APConfig {
	return APConfig{XMin: -100, XMax: 100, YMin: -40, YMax: 40, Types: []scenarios.ObjectType{scenarios.Vehicle}}
}

// IoUThresholds are the IoU thresholds of the AP figures.
var IoUThresholds = [2]float64{0.5, 0.7}

// scoreBins quantises scores for the global sort: detections are sorted over all frames by score (to 1e-4;
// equal quantised scores form one point of the precision-recall curve).
const scoreBins = 10000

// rmseGate is the largest centre distance (m) at which a reported object counts as a ground-truth object's
// estimate for the position RMSE.
const rmseGate = 3.0

// APAccumulator collects true and false positives over many frames for BEV AP at the IoUThresholds (rotated
// IoU; per frame, detections in order of score are matched greedily to the remaining ground-truth box of
// highest IoU, as OpenCOOD does), sorted globally over all frames, and the centre errors of the position
// RMSE (objects reported with existence >= 0.5, matched greedily by score to the nearest remaining
// ground-truth centre within 3 m).
type APAccumulator struct {
	cfg   APConfig
	NGT   int64
	NDet  int64
	tp    [2][]int64
	fp    [2][]int64
	SqErr float64
	NErr  int64
	// scratch
	gt    []geom.Box
	dets  []Track
	taken []bool
}

// NewAPAccumulator returns an empty accumulator.
func NewAPAccumulator(cfg APConfig) *APAccumulator {
	a := &APAccumulator{cfg: cfg}
	for i := range a.tp {
		a.tp[i] = make([]int64, scoreBins+1)
		a.fp[i] = make([]int64, scoreBins+1)
	}
	return a
}

func (a *APAccumulator) scored(t scenarios.ObjectType) bool {
	return len(a.cfg.Types) == 0 || slices.Contains(a.cfg.Types, t)
}

func (a *APAccumulator) inRange(ego geom.Pose, p geom.Vec2) bool {
	q := ego.ToLocal(p)
	return q.X >= a.cfg.XMin && q.X <= a.cfg.XMax && q.Y >= a.cfg.YMin && q.Y <= a.cfg.YMax
}

// AddFrame scores one frame: the tracks (Existence is the score) against the ground truth, in the frame of
// the ego's box centre.
func (a *APAccumulator) AddFrame(ego geom.Pose, tracks []Track, truth []scenarios.Object) {
	a.gt = a.gt[:0]
	for i := range truth {
		o := &truth[i]
		if a.scored(o.Type) && a.inRange(ego, o.Box.Center.Pos()) {
			a.gt = append(a.gt, o.Box)
		}
	}
	a.dets = a.dets[:0]
	for i := range tracks {
		t := &tracks[i]
		if a.scored(t.Type) && t.Box.Center.IsFinite() && a.inRange(ego, t.Box.Center.Pos()) {
			a.dets = append(a.dets, *t)
		}
	}
	slices.SortStableFunc(a.dets, func(x, y Track) int {
		switch {
		case x.Score > y.Score:
			return -1
		case x.Score < y.Score:
			return 1
		}
		return 0
	})
	a.NGT += int64(len(a.gt))
	a.NDet += int64(len(a.dets))
	for ti, thr := range IoUThresholds {
		a.taken = grow(a.taken, len(a.gt))
		clear(a.taken)
		for _, d := range a.dets {
			best, bi := 0.0, -1
			for gi, g := range a.gt {
				if a.taken[gi] {
					continue
				}
				if iou := geom.BoxIoU(d.Box, g); iou > best {
					best, bi = iou, gi
				}
			}
			bin := int(math.Round(math.Max(0, math.Min(1, d.Score)) * scoreBins))
			if bi >= 0 && best >= thr {
				a.taken[bi] = true
				a.tp[ti][bin]++
			} else {
				a.fp[ti][bin]++
			}
		}
	}
	a.taken = grow(a.taken, len(a.gt))
	clear(a.taken)
	for _, d := range a.dets {
		if d.Existence < 0.5 {
			continue
		}
		best, bi := rmseGate, -1
		for gi, g := range a.gt {
			if a.taken[gi] {
				continue
			}
			if dd := g.Center.Pos().Dist(d.Box.Center.Pos()); dd < best {
				best, bi = dd, gi
			}
		}
		if bi >= 0 {
			a.taken[bi] = true
			a.SqErr += best * best
			a.NErr++
		}
	}
}

// Merge adds o's counts to a.
func (a *APAccumulator) Merge(o *APAccumulator) {
	a.NGT += o.NGT
	a.NDet += o.NDet
	a.SqErr += o.SqErr
	a.NErr += o.NErr
	for t := range a.tp {
		for i := range a.tp[t] {
			a.tp[t][i] += o.tp[t][i]
			a.fp[t][i] += o.fp[t][i]
		}
	}
}

// AP returns the average precision at IoUThresholds[ti] with VOC all-point interpolation, in percent
// (0 without ground truth).
func (a *APAccumulator) AP(ti int) float64 {
	if a.NGT == 0 {
		return 0
	}
	rec := []float64{0}
	prec := []float64{0}
	var tp, fp int64
	for b := scoreBins; b >= 0; b-- {
		if a.tp[ti][b] == 0 && a.fp[ti][b] == 0 {
			continue
		}
		tp += a.tp[ti][b]
		fp += a.fp[ti][b]
		rec = append(rec, float64(tp)/float64(a.NGT))
		prec = append(prec, float64(tp)/float64(tp+fp))
	}
	rec = append(rec, 1)
	prec = append(prec, 0)
	return 100 * vocAP(rec, prec)
}

// vocAP is the VOC all-point interpolated area under a precision-recall curve given with the sentinels
// (0 at the start, recall 1 and precision 0 at the end).
func vocAP(rec, prec []float64) float64 {
	for i := len(prec) - 2; i >= 0; i-- {
		prec[i] = math.Max(prec[i], prec[i+1])
	}
	ap := 0.0
	for i := 1; i < len(rec); i++ {
		if rec[i] != rec[i-1] {
			ap += (rec[i] - rec[i-1]) * prec[i]
		}
	}
	return ap
}

// RMSE returns the position RMSE, m (NaN without matches).
func (a *APAccumulator) RMSE() float64 {
	if a.NErr == 0 {
		return math.NaN()
	}
	return math.Sqrt(a.SqErr / float64(a.NErr))
}
