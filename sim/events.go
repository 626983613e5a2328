package sim

import "time"

// EventKind says what an event on the virtual-time queue does.
type EventKind uint8

// Event kinds. Later components (the guide's results, perception messages) add theirs here.
const (
	// EventTick is a simulation step: the planner is called and the world advances one period.
	EventTick EventKind = iota + 1
)

// Event is one entry of the virtual-time queue. Events at the same time run in the order they were scheduled.
type Event struct {
	At   time.Duration // virtual time since the scenario start
	Seq  uint64        // scheduling order, breaks ties
	Kind EventKind
	Arg  int // kind-specific (for EventTick: the iteration)
}

// EventQueue orders events by virtual time, then by scheduling order. It is a binary heap over a reusable
// slice: scheduling and popping do not allocate once the queue has grown to its working size.
type EventQueue struct {
	heap []Event
	seq  uint64
}

// Len returns the number of pending events.
func (q *EventQueue) Len() int { return len(q.heap) }

// Schedule adds an event of the given kind at virtual time at.
func (q *EventQueue) Schedule(at time.Duration, kind EventKind, arg int) {
	q.seq++
	q.heap = append(q.heap, Event{At: at, Seq: q.seq, Kind: kind, Arg: arg})
	q.up(len(q.heap) - 1)
}

// Peek returns the earliest event without removing it; ok is false when the queue is empty.
func (q *EventQueue) Peek() (e Event, ok bool) {
	if len(q.heap) == 0 {
		return Event{}, false
	}
	return q.heap[0], true
}

// Pop removes and returns the earliest event; ok is false when the queue is empty.
func (q *EventQueue) Pop() (e Event, ok bool) {
	n := len(q.heap)
	if n == 0 {
		return Event{}, false
	}
	e = q.heap[0]
	q.heap[0] = q.heap[n-1]
	q.heap = q.heap[:n-1]
	if n > 1 {
		q.down(0)
	}
	return e, true
}

// Reset empties the queue, keeping its storage.
func (q *EventQueue) Reset() { q.heap, q.seq = q.heap[:0], 0 }

func (q *EventQueue) less(i, j int) bool {
	a, b := &q.heap[i], &q.heap[j]
	if a.At != b.At {
		return a.At < b.At
	}
	return a.Seq < b.Seq
}

func (q *EventQueue) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			return
		}
		q.heap[i], q.heap[p] = q.heap[p], q.heap[i]
		i = p
	}
}

func (q *EventQueue) down(i int) {
	n := len(q.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.heap[i], q.heap[m] = q.heap[m], q.heap[i]
		i = m
	}
}
