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
}

// Model runs the guide's network. Implementations: the ONNX Runtime session of package llmguide/ort (any
// model meeting the package's contract), and test doubles.
type Model interface {
	// Infer runs the model on one scene (SceneTokens x TokenDim) and one instruction (MaxWords ids).
	Infer(scene []float32, words []int64) (Output, error)
	Close() error
}

// Decode turns raw head values into an Output: a softmax over the lane logits, the target speed clamped to
// [0, 60] m/s, the stop probability as the logistic of its logit, a softmax over the turn logits when the
// model has them (turnLogits nil: it does not, TurnProbs stay zero) and the slow probability as the logistic
// of the slow logit when the model has one (slowLogit nil: SlowProb stays zero). It is an error when a value
// is not finite.
func Decode(features []float32, laneLogits [3]float32, speed, stopLogit float32, turnLogits *[3]float32, slowLogit *float32) (Output, error) {
	vals := []float32{laneLogits[0], laneLogits[1], laneLogits[2], speed, stopLogit}
	if turnLogits != nil {
		vals = append(vals, turnLogits[:]...)
	}
	if slowLogit != nil {
		vals = append(vals, *slowLogit)
	}
	for _, v := range vals {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Output{}, errors.New("llmguide: the model returned a number that is not finite")
		}
	}
	if len(features) != FeatureDim {
		return Output{}, fmt.Errorf("llmguide: the model returned %d features, want %d", len(features), FeatureDim)
	}
	out := Output{Features: features}
	out.LaneProbs = softmax3(laneLogits)
	if turnLogits != nil {
		out.TurnProbs = softmax3(*turnLogits)
	}
	out.TargetSpeed = min(60, max(0, float64(speed)))
	out.StopProb = logistic(stopLogit)
	if slowLogit != nil {
		out.SlowProb = logistic(*slowLogit)
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
