// Package model holds the guide's trained model, embedded in the binary: guide.onnx (the llmguide
// contract), the PyTorch reference outputs the parity test compares against (reference.json) and its card
// (README.md, card.json). `make model` retrains it.
package model
