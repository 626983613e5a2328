package scenarios_test

import (
	"errors"
	"fmt"
	"strings"

	"asyncdrive/geom"
	"asyncdrive/scenarios"
)

// Load a scenario and ask its map where the ego is and which lanes follow its route.
func ExampleMap_Index() {
	sc, err := scenarios.Load("testdata/golden_v1.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	x := sc.Map.Index()
	ego := sc.Expert[0].Pose
	for _, i := range x.LanesAt(ego.Pos(), nil) {
		fmt.Println("ego on lane", x.Lane(i).ID)
	}
	var ids []string
	for _, i := range x.RouteLanes(sc.Route, ego, 10) {
		ids = append(ids, x.Lane(i).ID)
	}
	fmt.Println("route lanes", strings.Join(ids, " "))
	fmt.Printf("%.2f m outside the drivable area\n", x.DistanceOutsideDrivable(geom.V(25, -2.1)))
	// Output:
	// ego on lane l1
	// route lanes l1 c1 l3
	// 0.35 m outside the drivable area
}

// Decoding errors name the file, the element and the problem.
func ExampleDecodeBytes() {
	_, err := scenarios.DecodeBytes([]byte(`{"version": 1, "id": "x", "dt": "fast"}`), "x.json")
	fmt.Println(err)
	var fe *scenarios.FileError
	if errors.As(err, &fe) {
		fmt.Printf("file %q, element %q\n", fe.File, fe.Element)
	}
	// Output:
	// x.json: dt (line 1 column 33): want a number, got JSON string
	// file "x.json", element "dt (line 1 column 33)"
}
