package llmguide

import (
	"math"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
	"asyncdrive/internal/fuzzbytes"
	"asyncdrive/planner"
	"asyncdrive/scenarios"
	"asyncdrive/scenarios/gen"
)

// FuzzEncode builds planner inputs from fuzz bytes (every number either a plausible value or NaN, an
// infinity or an extreme) and encodes them: every number of the scene tensor must be finite, whatever the
// objects, lights and ego carry, since the model cannot tell a NaN token from a scene.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x80\x80\x80\x80\x80\x80\x03\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0"))
	f.Add([]byte("\x01\x80\x80\x80\x80\x80\x80\x03\xff\x20\xfe\x40\xfd\x60\xfc\x80\x90\xa0\xff\xff\xff\xff"))
	sc, err := gen.Generate("near_multiple_vehicles", 0, gen.DefaultSeed)
	if err != nil {
		f.Fatal(err)
	}
	enc := NewEncoder(&sc.Map, sc.Route)
	start := sc.Expert[0].Pose
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzbytes.New(data)
		num := r.Float
		in := &planner.Input{Ego: []dynamics.State{{
			Pose:  geom.Pose{X: start.X + num(-30, 30), Y: start.Y + num(-30, 30), Heading: num(-4, 4)},
			Speed: num(-5, 40), Accel: num(-8, 8),
		}}}
		var objs []scenarios.Object
		for i := 0; r.Len() >= 16 && i < 40; i++ {
			objs = append(objs, scenarios.Object{
				ID:   "o",
				Type: []scenarios.ObjectType{scenarios.Vehicle, scenarios.Pedestrian, scenarios.Bicycle, scenarios.StaticObject}[i%4],
				Box: geom.Box{
					Center: geom.Pose{X: start.X + num(-60, 60), Y: start.Y + num(-60, 60), Heading: num(-7, 7)},
					Length: num(0, 20), Width: num(0, 5),
				},
				Vel: geom.Vec2{X: num(-30, 30), Y: num(-30, 30)},
			})
		}
		in.Objects = [][]scenarios.Object{objs}
		for l := range 3 {
			in.Lights = append(in.Lights, planner.LightStatus{Lane: l*7 - 1, State: scenarios.Red})
		}
		for i, v := range enc.Encode(in, nil) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("scene number %d (token %d) is %v", i, i/TokenDim, v)
			}
		}
	})
}
