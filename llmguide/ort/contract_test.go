//go:build cgo

package ort

import (
	"strings"
	"testing"

	onnx "github.com/yalue/onnxruntime_go"

	"asyncdrive/llmguide"
)

func TestCheckContract(t *testing.T) {
	tensor := func(name string, typ onnx.TensorElementDataType, dims ...int64) onnx.InputOutputInfo {
		return onnx.InputOutputInfo{Name: name, OrtValueType: onnx.ONNXTypeTensor, DataType: typ, Dimensions: dims}
	}
	f, i64 := onnx.TensorElementDataType(onnx.TensorElementDataTypeFloat), onnx.TensorElementDataType(onnx.TensorElementDataTypeInt64)
	ins := []onnx.InputOutputInfo{
		tensor("scene", f, -1, llmguide.SceneTokens, llmguide.TokenDim), tensor("words", i64, -1, llmguide.MaxWords),
	}
	outs := []onnx.InputOutputInfo{
		tensor("features", f, 1, llmguide.FeatureDim), tensor("lane_logits", f, 1, 3),
		tensor("target_speed", f, 1, 1), tensor("stop_logit", f, 1, 1),
	}
	with := func(extra ...onnx.InputOutputInfo) []onnx.InputOutputInfo {
		return append(append([]onnx.InputOutputInfo{}, outs...), extra...)
	}
	cases := []struct {
		name    string
		ins     []onnx.InputOutputInfo
		outs    []onnx.InputOutputInfo
		opt     optionalOutputs
		problem string // "" when the contract is met
	}{
		{"without the optional heads", ins, outs, optionalOutputs{}, ""},
		{"with the turn head", ins, with(tensor("turn_logits", f, 1, 3)), optionalOutputs{turn: true}, ""},
		{"dynamic batch", ins, with(tensor("turn_logits", f, -1, 3)), optionalOutputs{turn: true}, ""},
		{"turn logits of 2 classes", ins, with(tensor("turn_logits", f, 1, 2)), optionalOutputs{}, "turn_logits has shape"},
		{"turn logits without a batch", ins, with(tensor("turn_logits", f, 3)), optionalOutputs{}, "turn_logits has shape"},
		{"integer turn logits", ins, with(tensor("turn_logits", i64, 1, 3)), optionalOutputs{}, "turn_logits is not a tensor of float32"},
		{"with the slow head", ins, with(tensor("slow_logit", f, 1, 1)), optionalOutputs{slow: true}, ""},
		{"slow head, dynamic batch", ins, with(tensor("slow_logit", f, -1, 1)), optionalOutputs{slow: true}, ""},
		{"both optional heads", ins, with(tensor("turn_logits", f, 1, 3), tensor("slow_logit", f, 1, 1)), optionalOutputs{turn: true, slow: true}, ""},
		{"slow logit of 2 numbers", ins, with(tensor("slow_logit", f, 1, 2)), optionalOutputs{}, "slow_logit has shape"},
		{"slow logit without a batch", ins, with(tensor("slow_logit", f, 1)), optionalOutputs{}, "slow_logit has shape"},
		{"integer slow logit", ins, with(tensor("slow_logit", i64, 1, 1)), optionalOutputs{}, "slow_logit is not a tensor of float32"},
		{"with the pull-over head", ins, with(tensor("pullover_logit", f, 1, 1)), optionalOutputs{pullOver: true}, ""},
		{"all optional heads", ins, with(tensor("turn_logits", f, -1, 3), tensor("slow_logit", f, 1, 1), tensor("pullover_logit", f, -1, 1)),
			optionalOutputs{turn: true, slow: true, pullOver: true}, ""},
		{"pull-over logit of 3 numbers", ins, with(tensor("pullover_logit", f, 1, 3)), optionalOutputs{}, "pullover_logit has shape"},
		{"integer pull-over logit", ins, with(tensor("pullover_logit", i64, 1, 1)), optionalOutputs{}, "pullover_logit is not a tensor of float32"},
		{"with the headway head", ins, with(tensor("headway", f, -1, 1)), optionalOutputs{headway: true}, ""},
		{"headway of 2 numbers", ins, with(tensor("headway", f, 1, 2)), optionalOutputs{}, "headway has shape"},
		{"integer headway", ins, with(tensor("headway", i64, 1, 1)), optionalOutputs{}, "headway is not a tensor of float32"},
		{"float words", []onnx.InputOutputInfo{ins[0], tensor("words", f, 1, llmguide.MaxWords)}, outs, optionalOutputs{}, "words is not a tensor of int64"},
		{"no stop head", ins, outs[:3], optionalOutputs{}, "no stop_logit"},
	}
	for _, c := range cases {
		opt, err := checkContract(c.ins, c.outs)
		switch {
		case c.problem == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("%s: error %v, want one about %q", c.name, err, c.problem)
		case err == nil && opt != c.opt:
			t.Errorf("%s: optional outputs %+v, want %+v", c.name, opt, c.opt)
		}
	}
}
