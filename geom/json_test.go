package geom

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestVec2JSON(t *testing.T) {
	enc := []struct {
		v    Vec2
		want string
	}{
		{V(1.5, -2), "[1.5,-2]"},
		{V(0, 0), "[0,0]"},
		{V(0.1, 1.0/3), "[0.1,0.3333333333333333]"},
		{V(1e21, -1e-7), "[1e+21,-1e-07]"},
	}
	for _, c := range enc {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", c.v, b, err, c.want)
		}
	}
	// Round trips are exact to the bit, -0 and subnormals included.
	for _, v := range []Vec2{
		V(0.1, 0.2), V(0.1+0.2, 1.0/3), V(math.Copysign(0, -1), 0), V(5e-324, -5e-324), V(2.2250738585072014e-308, 1e-310),
		V(math.MaxFloat64, -math.MaxFloat64), V(math.Nextafter(1, 2), math.Nextafter(1, 0)), V(664123.4567891, 3997654.3210987),
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", v, err)
		}
		var got Vec2
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if math.Float64bits(got.X) != math.Float64bits(v.X) || math.Float64bits(got.Y) != math.Float64bits(v.Y) {
			t.Errorf("round trip of %v through %s gave %v", v, b, got)
		}
	}
	// In a struct and a slice, as the scenario files use it.
	type doc struct {
		Pts []Vec2 `json:"pts"`
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"pts": [[1, 2], [ 3.5 , -4e2 ]]}`), &d); err != nil || len(d.Pts) != 2 || d.Pts[1] != V(3.5, -400) {
		t.Errorf("decode in a struct: %v %v", d, err)
	}
	if _, err := json.Marshal(V(math.NaN(), 0)); err == nil {
		t.Error("Marshal of NaN succeeded (it writes invalid JSON)")
	}
	if _, err := json.Marshal(V(0, math.Inf(1))); err == nil {
		t.Error("Marshal of +Inf succeeded")
	}
}

func TestVec2JSONErrors(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{`[1]`, "got 1 numbers"},
		{`[1, 2, 3]`, "got 3 numbers"},
		{`[]`, "got 0 numbers"},
		{`null`, "got 0 numbers"},
		{`[1, null]`, "got null"},
		{`[null, 1]`, "got null"},
		{`{"x": 1, "y": 2}`, "want [x, y]"},
		{`"1,2"`, "want [x, y]"},
		{`3`, "want [x, y]"},
		{`[1, "2"]`, "want [x, y]"},
		{`[1, [2]]`, "want [x, y]"},
		{`[1e999, 0]`, "want [x, y]"},
		{`[1, 2`, "want [x, y]"},
		{``, "want [x, y]"},
	}
	for _, c := range cases {
		v := V(7, 8)
		err := v.UnmarshalJSON([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "point: ") {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error with %q", c.in, err, c.want)
		}
	}
}
