package llmguide

import (
	"errors"
	"fmt"
	"math"
)

// FeatureDim is the length of the instruction feature vector.
const FeatureDim = 64

// Output is what the model says for one scene and instruction: the instruction feature vector and the
// decoded heads.
type Output struct {
	Features    []float32  // FeatureDim numbers
	LaneProbs   [3]float64 // lane-change intent, softmax of the lane logits: left, keep, right
	TargetSpeed float64    // desired speed in 3 s, m/s (>= 0)
	StopProb    float64    // probability of stopping or yielding within 3 s
	// TurnProbs is the movement at the next junction, softmax of the turn logits: left, straight, right
	// (planner.TurnIndexLeft, ...); all zero when the model has no turn output.
	TurnProbs [3]float64
	// SlowProb is the probability that the instruction asks to drive slowly, the logistic of the slow logit;
	// 0 when the model has no slow output.
	SlowProb float64
	// HasSlow says that the model has the slow output: its target speed is a cap only when it means a
	// slow-down (Adapter).
	HasSlow bool
	// PullOverProb is the probability that the instruction asks to stop at the pickup zone, the logistic of
	// the pull-over logit; 0 when the model has no pull-over output.
	PullOverProb float64
	// Headway (s) is the time gap a driver keeps here to the vehicle ahead, as the model reads the scene
	// (the headway output, clamped to [0, 5]); 0 when the model has no headway output.
	Headway float64
}

// Model runs the guide's network. Implementations: the ONNX Runtime session of package llmguide/ort (any
// model meeting the package's contract), and test doubles.
type Model interface {
	// Infer runs the model on one scene (SceneTokens x TokenDim) and one instruction (MaxWords ids).
	Infer(scene []float32, words []int64) (Output, error)
	Close() error
}

// Heads are a model's raw outputs for one input. The optional heads are nil when the model does not have
// them.
type Heads struct {
	Features      []float32 // FeatureDim numbers
	LaneLogits    [3]float32
	TargetSpeed   float32 // m/s
	StopLogit     float32
	TurnLogits    *[3]float32 // optional turn_logits
	SlowLogit     *float32    // optional slow_logit
	PullOverLogit *float32    // optional pullover_logit
	Headway       *float32    // optional headway (s)
}

// Decode turns raw head values into an Output: a softmax over the lane logits, the target speed clamped to
// [0, 60] m/s, the stop probability as the logistic of its logit, a softmax over the turn logits when the
// model has them (else TurnProbs stay zero), and the slow and pull-over probabilities as the logistic of
// their logits when the model has them (else zero; HasSlow says which), and the headway clamped to [0, 5] s
// when the model has it (else zero). It is an error when a value is not finite.
func Decode(h Heads) (Output, error) {
	vals := []float32{h.LaneLogits[0], h.LaneLogits[1], h.LaneLogits[2], h.TargetSpeed, h.StopLogit}
	if h.TurnLogits != nil {
		vals = append(vals, h.TurnLogits[:]...)
	}
	for _, p := range []*float32{h.SlowLogit, h.PullOverLogit, h.Headway} {
		if p != nil {
			vals = append(vals, *p)
		}
	}
	for _, v := range vals {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Output{}, errors.New("llmguide: the model returned a number that is not finite")
		}
	}
	if len(h.Features) != FeatureDim {
		return Output{}, fmt.Errorf("llmguide: the model returned %d features, want %d", len(h.Features), FeatureDim)
	}
	out := Output{Features: h.Features}
	out.LaneProbs = softmax3(h.LaneLogits)
	if h.TurnLogits != nil {
		out.TurnProbs = softmax3(*h.TurnLogits)
	}
	out.TargetSpeed = min(60, max(0, float64(h.TargetSpeed)))
	out.StopProb = logistic(h.StopLogit)
	if h.SlowLogit != nil {
		out.SlowProb = logistic(*h.SlowLogit)
		out.HasSlow = true
	}
	if h.PullOverLogit != nil {
		out.PullOverProb = logistic(*h.PullOverLogit)
	}
	if h.Headway != nil {
		out.Headway = min(5, max(0, float64(*h.Headway)))
	}
	return out, nil
}

func logistic(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

func softmax3(logits [3]float32) [3]float64 {
	var p [3]float64
	mx := max(logits[0], logits[1], logits[2])
	sum := 0.0
	for i, l := range logits {
		p[i] = math.Exp(float64(l - mx))
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}
