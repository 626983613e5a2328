package scenarios

import "container/heap"

// LaneCost is a lane with the cost of reaching it, an entry of a LaneQueue.
type LaneCost struct {
	Lane int
	Cost float64
}

// LaneQueue is the priority queue of Dijkstra searches over the lane graph: least cost first, then the lowest
// lane index, so that searches over equal costs are deterministic. The zero value is an empty queue.
type LaneQueue struct{ items laneHeap }

// Len returns the number of entries.
func (q *LaneQueue) Len() int { return len(q.items) }

// Push adds lane at cost.
func (q *LaneQueue) Push(lane int, cost float64) { heap.Push(&q.items, LaneCost{lane, cost}) }

// Pop removes and returns the entry of least cost (the lowest lane index among equal costs). The queue must
// not be empty.
func (q *LaneQueue) Pop() LaneCost { return heap.Pop(&q.items).(LaneCost) }

// laneHeap implements container/heap's interface for LaneQueue.
type laneHeap []LaneCost

func (h laneHeap) Len() int { return len(h) }
func (h laneHeap) Less(i, j int) bool {
	if h[i].Cost != h[j].Cost {
		return h[i].Cost < h[j].Cost
	}
	return h[i].Lane < h[j].Lane
}
func (h laneHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *laneHeap) Push(x any)   { *h = append(*h, x.(LaneCost)) }
func (h *laneHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
