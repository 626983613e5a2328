package scenarios

import "testing"

func TestLaneQueuePopsLeastCostThenLowestLane(t *testing.T) {
	var q LaneQueue
	for _, e := range []LaneCost{{7, 3}, {2, 5}, {9, 1}, {4, 3}, {1, 3}, {0, 8}} {
		q.Push(e.Lane, e.Cost)
	}
	want := []LaneCost{{9, 1}, {1, 3}, {4, 3}, {7, 3}, {2, 5}, {0, 8}}
	for i, w := range want {
		if q.Len() != len(want)-i {
			t.Fatalf("Len %d before pop %d", q.Len(), i)
		}
		if got := q.Pop(); got != w {
			t.Fatalf("pop %d: %+v, want %+v", i, got, w)
		}
	}
	if q.Len() != 0 {
		t.Fatalf("Len %d after popping everything", q.Len())
	}
}
