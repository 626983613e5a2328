package model

import _ "embed"

// ONNX is the trained guide model.
//
//go:embed guide.onnx
var ONNX []byte

// Reference holds PyTorch's outputs on fixed inputs (JSON: a list of {scene, words, features, lane_logits,
// target_speed, stop_logit, turn_logits}).
//
//go:embed reference.json
var Reference []byte

// Name is how the builtin model is called on the command line (--guide builtin).
const Name = "builtin"
