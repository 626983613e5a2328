//go:build !linux

package eval

// isTerminal is false off Linux: no progress bar there (golang.org/x/term would add a dependency for a
// cosmetic feature).
func isTerminal(fd uintptr) bool { return false }
