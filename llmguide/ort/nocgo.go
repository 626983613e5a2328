//go:build !cgo

package ort

import "asyncdrive/llmguide"

// Session is unavailable without cgo.
type Session struct{}

// Open returns ErrNoCGO: the binding needs cgo.
func Open(string, Options) (*Session, error) { return nil, ErrNoCGO }

// OpenBytes returns ErrNoCGO: the binding needs cgo.
func OpenBytes([]byte, string, Options) (*Session, error) { return nil, ErrNoCGO }

// Infer returns ErrNoCGO.
func (*Session) Infer([]float32, []int64) (llmguide.Output, error) {
	return llmguide.Output{}, ErrNoCGO
}

// HasTurn returns false.
func (*Session) HasTurn() bool { return false }

// HasSlow returns false.
func (*Session) HasSlow() bool { return false }

// HasPullOver returns false.
func (*Session) HasPullOver() bool { return false }

// HasHeadway returns false.
func (*Session) HasHeadway() bool { return false }

// Close does nothing.
func (*Session) Close() error { return nil }
