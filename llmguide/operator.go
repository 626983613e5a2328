package llmguide

import (
	"strings"
	"sync"

	"asyncdrive/scenarios"
)

// OperatorCommands are the operator commands a live viewer offers (keys 1 to 7), in AsyncDriver-style words
// the tokenizer knows.
var OperatorCommands = []string{
	"change to the left lane",
	"change to the right lane",
	"drive slowly",
	"keep going",
	"stop",
	"stop at the pickup zone",
	"", // hand back to the scenario's and the route's instructions
}

// Operator carries operator commands given while a run is going on (a live viewer's keys, a vehicle's HMI)
// to a Guide: Send may be called from any goroutine; the guide takes the commands in at its next tick, from
// when on they are the instruction in force (an empty command hands back to the scenario's and the route's
// instructions). The zero value is ready to use.
type Operator struct {
	mu      sync.Mutex
	pending []string
	sent    int
}

// Send queues a command (lower-cased, trimmed).
func (o *Operator) Send(text string) {
	o.mu.Lock()
	o.pending = append(o.pending, strings.ToLower(strings.TrimSpace(text)))
	o.sent++
	o.mu.Unlock()
}

// Sent returns how many commands were sent.
func (o *Operator) Sent() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent
}

// take appends the queued commands to list, timed t, and empties the queue.
func (o *Operator) take(list []scenarios.Instruction, t float64) []scenarios.Instruction {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, text := range o.pending {
		list = append(list, scenarios.Instruction{T: t, Text: text})
	}
	o.pending = o.pending[:0]
	return list
}
