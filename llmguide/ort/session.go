//go:build cgo

package ort

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"

	"asyncdrive/llmguide"
)

var (
	envOnce sync.Once
	envErr  error
	envLib  string
)

// initEnv loads the library once per process.
func initEnv(lib string) error {
	envOnce.Do(func() {
		if _, err := os.Stat(lib); err != nil {
			envErr = fmt.Errorf("ort: ONNX Runtime library %s: %w (run `make deps`, or set ONNXRUNTIME_LIB to libonnxruntime.so.1 of ONNX Runtime 1.24)", lib, err)
			return
		}
		onnx.SetSharedLibraryPath(lib)
		if err := onnx.InitializeEnvironment(); err != nil {
			envErr = fmt.Errorf("ort: loading ONNX Runtime from %s: %w", lib, err)
			return
		}
		envLib = lib
	})
	if envErr == nil && envLib != lib {
		return fmt.Errorf("ort: ONNX Runtime already loaded from %s, not %s", envLib, lib)
	}
	return envErr
}

// Session is a guide model in ONNX Runtime: it implements llmguide.Model. It is not safe for concurrent use
// (one runner goroutine uses it).
type Session struct {
	s        *onnx.AdvancedSession
	scene    *onnx.Tensor[float32]
	words    *onnx.Tensor[int64]
	features *onnx.Tensor[float32]
	lane     *onnx.Tensor[float32]
	speed    *onnx.Tensor[float32]
	stop     *onnx.Tensor[float32]
	turn     *onnx.Tensor[float32] // nil when the model has no turn_logits output
	slow     *onnx.Tensor[float32] // nil when the model has no slow_logit output
	pullOver *onnx.Tensor[float32] // nil when the model has no pullover_logit output
	headway  *onnx.Tensor[float32] // nil when the model has no headway output
}

// Open loads a model file that meets llmguide's contract.
func Open(model string, o Options) (*Session, error) {
	data, err := os.ReadFile(model)
	if err != nil {
		return nil, fmt.Errorf("ort: model: %w", err)
	}
	return OpenBytes(data, model, o)
}

// OpenBytes loads a model from its ONNX bytes; name is for messages.
func OpenBytes(data []byte, name string, o Options) (*Session, error) {
	lib := o.Library
	if lib == "" {
		lib = LibraryPath()
	}
	if err := initEnv(lib); err != nil {
		return nil, err
	}
	model := name
	ins, outs, err := onnx.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, fmt.Errorf("ort: %s: %w", model, err)
	}
	opt, err := checkContract(ins, outs)
	if err != nil {
		return nil, fmt.Errorf("ort: %s does not meet the guide contract: %w", model, err)
	}
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("ort: %w", err)
	}
	defer opts.Destroy()
	threads := o.Threads
	if threads <= 0 {
		threads = 1
	}
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("ort: %w", err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("ort: %w", err)
	}
	switch o.Device {
	case "", CPU:
	case CUDA:
		cuda, err := onnx.NewCUDAProviderOptions()
		if err == nil {
			err = opts.AppendExecutionProviderCUDA(cuda)
			cuda.Destroy()
		}
		if err != nil {
			return nil, fmt.Errorf("ort: the CUDA execution provider is not available (%v); the ONNX Runtime library from npm's onnxruntime-node is CPU-only: point ONNXRUNTIME_LIB at a GPU build of ONNX Runtime 1.24 with CUDA 12 and cuDNN 9 installed, or use the CPU", err)
		}
	default:
		return nil, fmt.Errorf("ort: unknown device %q (cpu or cuda)", o.Device)
	}
	s := &Session{}
	if s.scene, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, llmguide.SceneTokens, llmguide.TokenDim)); err == nil {
		if s.words, err = onnx.NewEmptyTensor[int64](onnx.NewShape(1, llmguide.MaxWords)); err == nil {
			if s.features, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, llmguide.FeatureDim)); err == nil {
				if s.lane, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 3)); err == nil {
					if s.speed, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1)); err == nil {
						s.stop, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1))
					}
				}
			}
		}
	}
	if err == nil && opt.turn {
		s.turn, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 3))
	}
	if err == nil && opt.slow {
		s.slow, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1))
	}
	if err == nil && opt.pullOver {
		s.pullOver, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1))
	}
	if err == nil && opt.headway {
		s.headway, err = onnx.NewEmptyTensor[float32](onnx.NewShape(1, 1))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("ort: %w", err)
	}
	outNames := []string{"features", "lane_logits", "target_speed", "stop_logit"}
	outVals := []onnx.Value{s.features, s.lane, s.speed, s.stop}
	if opt.turn {
		outNames = append(outNames, "turn_logits")
		outVals = append(outVals, s.turn)
	}
	if opt.slow {
		outNames = append(outNames, "slow_logit")
		outVals = append(outVals, s.slow)
	}
	if opt.pullOver {
		outNames = append(outNames, "pullover_logit")
		outVals = append(outVals, s.pullOver)
	}
	if opt.headway {
		outNames = append(outNames, "headway")
		outVals = append(outVals, s.headway)
	}
	s.s, err = onnx.NewAdvancedSessionWithONNXData(data, []string{"scene", "words"}, outNames,
		[]onnx.Value{s.scene, s.words}, outVals, opts)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("ort: %s: %w", model, err)
	}
	return s, nil
}

// optionalOutputs says which of the contract's optional outputs a model has.
type optionalOutputs struct {
	turn     bool // turn_logits
	slow     bool // slow_logit
	pullOver bool // pullover_logit
	headway  bool // headway
}

// checkContract checks the model's input and output names, element types and shapes (batch 1 or dynamic),
// and says which optional outputs (turn_logits, slow_logit, pullover_logit, headway) it has.
func checkContract(ins, outs []onnx.InputOutputInfo) (optionalOutputs, error) {
	want := map[string][]int64{
		"scene": {1, llmguide.SceneTokens, llmguide.TokenDim}, "words": {1, llmguide.MaxWords},
		"features": {1, llmguide.FeatureDim}, "lane_logits": {1, 3}, "target_speed": {1, 1}, "stop_logit": {1, 1},
	}
	optional := map[string][]int64{"turn_logits": {1, 3}, "slow_logit": {1, 1}, "pullover_logit": {1, 1}, "headway": {1, 1}}
	var problems []string
	seen := map[string]bool{}
	for k, io := range append(append([]onnx.InputOutputInfo{}, ins...), outs...) {
		w, ok := want[io.Name]
		if !ok && k >= len(ins) {
			w, ok = optional[io.Name]
		}
		if !ok {
			continue
		}
		seen[io.Name] = true
		wantType, typeName := onnx.TensorElementDataType(onnx.TensorElementDataTypeFloat), "float32"
		if io.Name == "words" {
			wantType, typeName = onnx.TensorElementDataTypeInt64, "int64"
		}
		if io.OrtValueType != onnx.ONNXTypeTensor || io.DataType != wantType {
			problems = append(problems, fmt.Sprintf("%s is not a tensor of %s", io.Name, typeName))
			continue
		}
		if len(io.Dimensions) != len(w) {
			problems = append(problems, fmt.Sprintf("%s has shape %v, want %v", io.Name, io.Dimensions, w))
			continue
		}
		for i, d := range io.Dimensions {
			if d != w[i] && !(i == 0 && d < 0) {
				problems = append(problems, fmt.Sprintf("%s has shape %v, want %v", io.Name, io.Dimensions, w))
				break
			}
		}
	}
	for name := range want {
		if !seen[name] {
			problems = append(problems, "no "+name)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return optionalOutputs{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return optionalOutputs{turn: seen["turn_logits"], slow: seen["slow_logit"], pullOver: seen["pullover_logit"],
		headway: seen["headway"]}, nil
}

// Infer runs the model on one scene and instruction.
func (s *Session) Infer(scene []float32, words []int64) (llmguide.Output, error) {
	if len(scene) != llmguide.SceneTokens*llmguide.TokenDim || len(words) != llmguide.MaxWords {
		return llmguide.Output{}, fmt.Errorf("ort: scene of %d numbers and %d words, want %d and %d",
			len(scene), len(words), llmguide.SceneTokens*llmguide.TokenDim, llmguide.MaxWords)
	}
	copy(s.scene.GetData(), scene)
	copy(s.words.GetData(), words)
	if err := s.s.Run(); err != nil {
		return llmguide.Output{}, fmt.Errorf("ort: %w", err)
	}
	l := s.lane.GetData()
	h := llmguide.Heads{Features: s.features.GetData(), LaneLogits: [3]float32{l[0], l[1], l[2]},
		TargetSpeed: s.speed.GetData()[0], StopLogit: s.stop.GetData()[0]}
	if s.turn != nil {
		tl := s.turn.GetData()
		h.TurnLogits = &[3]float32{tl[0], tl[1], tl[2]}
	}
	h.SlowLogit = scalar(s.slow)
	h.PullOverLogit = scalar(s.pullOver)
	h.Headway = scalar(s.headway)
	return llmguide.Decode(h)
}

// scalar returns the value of an optional [1, 1] output, nil when the model does not have it.
func scalar(t *onnx.Tensor[float32]) *float32 {
	if t == nil {
		return nil
	}
	v := t.GetData()[0]
	return &v
}

// HasTurn says whether the model has the optional turn_logits output (else Output.TurnProbs stay zero).
func (s *Session) HasTurn() bool {
	return s.turn != nil
}

// HasSlow says whether the model has the optional slow_logit output (else Output.SlowProb stays zero).
func (s *Session) HasSlow() bool {
	return s.slow != nil
}

// HasPullOver says whether the model has the optional pullover_logit output (else Output.PullOverProb
// stays zero).
func (s *Session) HasPullOver() bool {
	return s.pullOver != nil
}

// HasHeadway says whether the model has the optional headway output (else Output.Headway stays zero).
func (s *Session) HasHeadway() bool {
	return s.headway != nil
}

// Close releases the session and its tensors.
func (s *Session) Close() error {
	if s.s != nil {
		s.s.Destroy()
		s.s = nil
	}
	for _, t := range []interface{ Destroy() error }{s.scene, s.words, s.features, s.lane, s.speed, s.stop, s.turn, s.slow, s.pullOver, s.headway} {
		if t != nil && !isNilTensor(t) {
			t.Destroy()
		}
	}
	s.scene, s.words, s.features, s.lane, s.speed, s.stop = nil, nil, nil, nil, nil, nil
	s.turn, s.slow, s.pullOver, s.headway = nil, nil, nil, nil
	return nil
}

func isNilTensor(t interface{ Destroy() error }) bool {
	switch v := t.(type) {
	case *onnx.Tensor[float32]:
		return v == nil
	case *onnx.Tensor[int64]:
		return v == nil
	}
	return false
}
