package metrics_test

import (
	"fmt"

	"asyncdrive/metrics"
)

// The closed-loop score of a scenario where every multiplier is 1 and only the TTC metric fails:
// (5*1 + 5*0 + 4*1 + 2*1) / 16.
func ExampleScore() {
	s := metrics.Score([4]float64{1, 1, 1, 1}, [4]float64{1, 0, 1, 1})
	fmt.Printf("%.4f\n", s)
	// Output: 0.6875
}

// Ego made half the expert's progress along the route; the 2 m floor keeps a short expert run from
// dividing by almost nothing.
func ExampleProgressRatio() {
	fmt.Println(metrics.ProgressRatio(20, 40, 2))
	fmt.Println(metrics.ProgressRatio(0.5, 1.5, 2))
	// Output:
	// 0.5
	// 1
}
