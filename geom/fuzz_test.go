package geom

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzVec2JSON: UnmarshalJSON never panics, and what it accepts encodes and decodes back to the same bits.
func FuzzVec2JSON(f *testing.F) {
	for _, s := range []string{`[1,2]`, `[0.1, -3e5]`, `[1]`, `[1,null]`, `null`, `{"x":1}`, `[1e999,0]`, `[-0, 5e-324]`, ``, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Vec2
		if err := v.UnmarshalJSON(data); err != nil {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted %q as %v, which does not encode: %v", data, v, err)
		}
		var w Vec2
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s does not decode: %v", b, err)
		}
		if math.Float64bits(v.X) != math.Float64bits(w.X) || math.Float64bits(v.Y) != math.Float64bits(w.Y) {
			t.Fatalf("%q -> %v -> %s -> %v", data, v, b, w)
		}
	})
}
