// Package llmguide will hold the asynchronous language-model guide: the model contract (scene tokens and
// instruction words in, an instruction feature and decoded heads out), the featurizer and tokenizer, the ONNX
// Runtime session and the mailbox through which the planner reads the latest features with their age.
//
// It is empty until the guide is built (see the project's issues); nothing depends on it yet.
package llmguide
