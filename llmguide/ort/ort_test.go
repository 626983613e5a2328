package ort

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"asyncdrive/llmguide"
	"asyncdrive/llmguide/model"
	"asyncdrive/planner"
)

// open loads the builtin model, skipping the test without cgo (make test runs this package with cgo, after
// make deps installed the library).
func open(t testing.TB, o Options) *Session {
	t.Helper()
	s, err := OpenBytes(model.ONNX, "builtin", o)
	if errors.Is(err, ErrNoCGO) {
		t.Skip("built without cgo: ONNX Runtime is not available")
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type reference struct {
	Scene       []float32 `json:"scene"`
	Words       []int64   `json:"words"`
	Features    []float32 `json:"features"`
	LaneLogits  []float32 `json:"lane_logits"`
	TargetSpeed float32   `json:"target_speed"`
	StopLogit   float32   `json:"stop_logit"`
	TurnLogits  []float32 `json:"turn_logits,omitempty"` // models with the optional turn head
	SlowLogit   *float32  `json:"slow_logit,omitempty"`  // models with the optional slow head
	// PullOverLogit: models with the optional pull-over head.
	PullOverLogit *float32 `json:"pullover_logit,omitempty"`
	Headway       *float32 `json:"headway,omitempty"` // models with the optional headway head
}

// decoded is what PyTorch's outputs of a reference case decode to.
func (r *reference) decoded(t *testing.T) llmguide.Output {
	t.Helper()
	var turn *[3]float32
	if len(r.TurnLogits) == 3 {
		turn = &[3]float32{r.TurnLogits[0], r.TurnLogits[1], r.TurnLogits[2]}
	}
	want, err := llmguide.Decode(llmguide.Heads{Features: r.Features, LaneLogits: [3]float32{r.LaneLogits[0], r.LaneLogits[1], r.LaneLogits[2]},
		TargetSpeed: r.TargetSpeed, StopLogit: r.StopLogit, TurnLogits: turn, SlowLogit: r.SlowLogit, PullOverLogit: r.PullOverLogit, Headway: r.Headway})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// checkParity runs s on the reference cases and compares every head with PyTorch's outputs within 1e-4.
func checkParity(t *testing.T, s *Session, refs []reference) {
	t.Helper()
	const tol = 1e-4
	for i, r := range refs {
		if got := len(r.TurnLogits) == 3; got != s.HasTurn() {
			t.Fatalf("case %d: reference has turn logits %v, the model a turn output %v", i, got, s.HasTurn())
		}
		if got := r.SlowLogit != nil; got != s.HasSlow() {
			t.Fatalf("case %d: reference has a slow logit %v, the model a slow output %v", i, got, s.HasSlow())
		}
		if got := r.PullOverLogit != nil; got != s.HasPullOver() {
			t.Fatalf("case %d: reference has a pull-over logit %v, the model a pull-over output %v", i, got, s.HasPullOver())
		}
		if got := r.Headway != nil; got != s.HasHeadway() {
			t.Fatalf("case %d: reference has a headway %v, the model a headway output %v", i, got, s.HasHeadway())
		}
		out, err := s.Infer(r.Scene, r.Words)
		if err != nil {
			t.Fatal(err)
		}
		want := r.decoded(t)
		for k := range out.Features {
			if d := math.Abs(float64(out.Features[k] - r.Features[k])); d > tol {
				t.Fatalf("case %d: feature %d = %v, PyTorch %v", i, k, out.Features[k], r.Features[k])
			}
		}
		for k := 0; k < 3; k++ {
			if d := math.Abs(out.LaneProbs[k] - want.LaneProbs[k]); d > tol {
				t.Errorf("case %d: lane prob %d = %v, PyTorch %v", i, k, out.LaneProbs[k], want.LaneProbs[k])
			}
			if d := math.Abs(out.TurnProbs[k] - want.TurnProbs[k]); d > tol {
				t.Errorf("case %d: turn prob %d = %v, PyTorch %v", i, k, out.TurnProbs[k], want.TurnProbs[k])
			}
		}
		if math.Abs(out.TargetSpeed-want.TargetSpeed) > 1e-3 || math.Abs(out.StopProb-want.StopProb) > tol {
			t.Errorf("case %d: speed %v stop %v, PyTorch %v %v", i, out.TargetSpeed, out.StopProb, want.TargetSpeed, want.StopProb)
		}
		if math.Abs(out.SlowProb-want.SlowProb) > tol || out.HasSlow != want.HasSlow {
			t.Errorf("case %d: slow prob %v (head %v), PyTorch %v (%v)", i, out.SlowProb, out.HasSlow, want.SlowProb, want.HasSlow)
		}
		if math.Abs(out.PullOverProb-want.PullOverProb) > tol {
			t.Errorf("case %d: pull-over prob %v, PyTorch %v", i, out.PullOverProb, want.PullOverProb)
		}
		if math.Abs(out.Headway-want.Headway) > tol {
			t.Errorf("case %d: headway %v s, PyTorch %v s", i, out.Headway, want.Headway)
		}
	}
}

// ONNX Runtime's outputs match PyTorch's on the fixed inputs stored when the model was trained.
func TestParityWithPyTorch(t *testing.T) {
	s := open(t, Options{})
	defer s.Close()
	var refs []reference
	if err := json.Unmarshal(model.Reference, &refs); err != nil || len(refs) == 0 {
		t.Fatalf("reference.json: %v (%d cases)", err, len(refs))
	}
	checkParity(t, s, refs)
}

// A model without the optional turn and slow heads (the builtin model before it had them, kept in testdata)
// still meets the contract: it runs, its outputs match PyTorch's, and it gives no turn guidance and no
// slow-down (SlowProb 0).
func TestModelWithoutTurnHead(t *testing.T) {
	data, err := os.ReadFile("testdata/guide-no-turn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenBytes(data, "guide-no-turn.onnx", Options{})
	if errors.Is(err, ErrNoCGO) {
		t.Skip("built without cgo: ONNX Runtime is not available")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.HasTurn() || s.HasSlow() || s.HasPullOver() || s.HasHeadway() {
		t.Fatalf("the old model reports a turn output %v, a slow output %v, a pull-over output %v, a headway output %v",
			s.HasTurn(), s.HasSlow(), s.HasPullOver(), s.HasHeadway())
	}
	var refs []reference
	b, err := os.ReadFile("testdata/guide-no-turn.reference.json")
	if err == nil {
		err = json.Unmarshal(b, &refs)
	}
	if err != nil || len(refs) == 0 {
		t.Fatalf("reference: %v (%d cases)", err, len(refs))
	}
	checkParity(t, s, refs)
	out, err := s.Infer(refs[0].Scene, refs[0].Words)
	if err != nil {
		t.Fatal(err)
	}
	if out.TurnProbs != [3]float64{} || out.SlowProb != 0 {
		t.Errorf("TurnProbs %v, SlowProb %v without turn and slow heads, want zeros", out.TurnProbs, out.SlowProb)
	}
	if g := (llmguide.Adapter{}).Guidance(&out, 0); g.Turn != planner.TurnAny || g.TurnProbs != [3]float64{} {
		t.Errorf("guidance without a turn head: Turn %v, TurnProbs %v", g.Turn, g.TurnProbs)
	}
}

func TestBadInputAndCUDA(t *testing.T) {
	s := open(t, Options{})
	defer s.Close()
	if _, err := s.Infer(make([]float32, 3), make([]int64, llmguide.MaxWords)); err == nil {
		t.Error("a short scene was accepted")
	}
	// Out-of-vocabulary ids are the model's problem to survive, not a crash: clamp is the caller's job,
	// but a NaN scene must give an error or finite outputs.
	nan := make([]float32, llmguide.SceneTokens*llmguide.TokenDim)
	nan[3] = float32(math.NaN())
	if out, err := s.Infer(nan, make([]int64, llmguide.MaxWords)); err == nil && math.IsNaN(out.StopProb) {
		t.Error("NaN in, NaN out without an error")
	}
	if _, err := OpenBytes(model.ONNX, "builtin", Options{Device: CUDA}); err == nil || !strings.Contains(err.Error(), "CUDA") {
		t.Logf("CUDA session: %v", err) // on a machine with a GPU build of ONNX Runtime this succeeds
	}
	if _, err := OpenBytes([]byte("not onnx"), "junk", Options{}); err == nil {
		t.Error("junk model accepted")
	}
	if _, err := OpenBytes(model.ONNX, "x", Options{Device: "tpu"}); err == nil || !strings.Contains(err.Error(), "unknown device") {
		t.Errorf("unknown device: %v", err)
	}
}

// BenchmarkInfer is one inference of the builtin model on the CPU with one thread: p50 and p99 in ms.
func BenchmarkInfer(b *testing.B) {
	s := open(b, Options{})
	defer s.Close()
	var refs []reference
	json.Unmarshal(model.Reference, &refs)
	lat := make([]float64, 0, b.N)
	for i := 0; i < b.N; i++ {
		r := refs[i%len(refs)]
		start := time.Now()
		if _, err := s.Infer(r.Scene, r.Words); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, float64(time.Since(start).Nanoseconds())/1e6)
	}
	sortFloats(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[min(len(lat)-1, int(math.Ceil(0.99*float64(len(lat))))-1)], "p99-ms")
}

func sortFloats(x []float64) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}
