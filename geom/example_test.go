package geom_test

import (
	"fmt"
	"math"

	"asyncdrive/geom"
)

// A path along +X that turns left: project points onto it in arc length and signed lateral offset.
func ExamplePolyline_Project() {
	path := geom.NewPolyline([]geom.Vec2{{X: 0, Y: 0}, {X: 10, Y: 0}, {X: 10, Y: 10}})
	for _, p := range []geom.Vec2{{X: 5, Y: 2}, {X: 11, Y: 4}, {X: -3, Y: 1}} {
		s, lat := path.Project(p)
		fmt.Printf("%v: s=%.1f lateral=%.1f\n", p, s, lat)
	}
	// Output:
	// {5 2}: s=5.0 lateral=2.0
	// {11 4}: s=14.0 lateral=-1.0
	// {-3 1}: s=-3.0 lateral=1.0
}

// Two cars side by side, 2.1 m apart centre to centre, and then 1.9 m apart.
func ExampleBox_Overlaps() {
	a := geom.Box{Center: geom.Pose{X: 0, Y: 0, Heading: math.Pi / 2}, Length: 4.8, Width: 2}
	b := geom.Box{Center: geom.Pose{X: 2.1, Y: 1, Heading: math.Pi / 2}, Length: 4.8, Width: 2}
	fmt.Println(a.Overlaps(b))
	b.Center.X = 1.9
	fmt.Println(a.Overlaps(b))
	// Output:
	// false
	// true
}
