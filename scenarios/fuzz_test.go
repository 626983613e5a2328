package scenarios

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"asyncdrive/geom"
)

// fuzzSeeds returns the golden file, truncated variants of it and a few mutated ones.
func fuzzSeeds(f testing.TB) [][]byte {
	golden, err := os.ReadFile(goldenFile)
	if err != nil {
		f.Fatal(err)
	}
	g := string(golden)
	seeds := [][]byte{golden}
	for _, n := range []int{0, 1, 2, 13, len(g) / 3, len(g) / 2, len(g) - 2, len(g) - 1} {
		seeds = append(seeds, golden[:n])
	}
	for _, r := range [][2]string{
		{`"dt":0.1`, `"dt":1e999`},
		{`"version":1`, `"version":99`},
		{`"version":1,`, ``},
		{`"centerline":[[0,0]`, `"centerline":[[0,null]`},
		{`"centerline":[[0,0]`, `"centerline":[[1e300,-1e300]`},
		{`"centerline":[[0,0]`, `"centerline":[[1.7e308,0]`},
		{`"left":[[0,1.75]`, `"left":[[-1.7e308,1.75]`},
		{`"route":["rb1","rbc1","rb3"]`, `"route":[]`},
		{`"route":["rb1","rbc1","rb3"]`, `"route":["rb1","rbc2","rb4","rb1"]`},
		{`"successors":["c2","c1"]`, `"successors":["c2","c1","l1","l2"]`},
		{`"start":5`, `"start":-5`},
		{`"type":"vehicle"`, `"type":"alien"`},
		{`"state":"yellow"`, `"state":"blue"`},
		{`"id":"l2"`, `"id":"l2","x":1`},
		{`[5,0,0,10,0.5,0]`, `[5,0,0,10,0.5]`},
		{`"horizon":2`, `"horizon":-2`},
		{`"horizon":2`, `"horizon":1e300`},
		{`"dt":0.1`, `"dt":1e-300`},
	} {
		if !strings.Contains(g, r[0]) {
			f.Fatalf("seed mutation: no %q in the golden file", r[0])
		}
		seeds = append(seeds, []byte(strings.Replace(g, r[0], r[1], 1)))
	}
	return append(seeds, []byte("null"), []byte("{}"), []byte(`{"version":1}`), []byte("[]"), []byte(`"x"`))
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// checkDecoded checks what a decoder returned: a *FileError naming the file, or a scenario that validates,
// re-encodes to a file that decodes to the same scenario, and answers map queries without panicking.
func checkDecoded(t *testing.T, sc *Scenario, err error, name string) {
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != name || fe.Problem == "" {
			t.Fatalf("error is not a FileError for %s: %v (%T)", name, err, err)
		}
		if sc != nil {
			t.Fatal("a scenario and an error")
		}
		return
	}
	if err := Validate(sc); err != nil {
		t.Fatalf("accepted scenario does not validate: %v", err)
	}
	var b bytes.Buffer
	if err := Encode(&b, sc, false); err != nil {
		t.Fatalf("accepted scenario does not encode: %v", err)
	}
	again, err := DecodeBytes(b.Bytes(), "re-encoded")
	if err != nil {
		t.Fatalf("re-encoded scenario does not decode: %v\n%s", err, b.Bytes())
	}
	if err := sameBits(again, sc); err != nil {
		t.Fatalf("re-encoded scenario differs: %v", err)
	}
	// The map index and its queries on the scenario's own points.
	x := sc.Map.Index()
	buf := make([]int, 0, 8)
	e := sc.Expert[0].Pose
	for _, p := range []geom.Vec2{e.Pos(), sc.Goal.Pos(), sc.Map.Lanes[0].Centerline[0], {}} {
		buf = x.LanesAt(p, buf[:0])
		if d := x.DistanceOutsideDrivable(p); d < 0 || math.IsNaN(d) {
			t.Fatalf("DistanceOutsideDrivable(%v) = %v", p, d)
		}
		x.SpeedLimitAt(p)
	}
	x.NearestLane(e, 10)
	if lanes := x.RouteLanes(sc.Route, e, 6); len(lanes) > 0 {
		x.JoinPaths(lanes)
	}
	for i := range x.NumLanes() {
		x.LightState(i, 1)
	}
	if n := sc.Steps(); n < 0 || n > len(sc.Expert)-1 {
		t.Fatalf("Steps() = %d with %d expert states", n, len(sc.Expert))
	}
}

// watchdog crashes the fuzz worker when one input takes longer than 20 s, which the fuzzer then reports as
// a failing input (it has no time limit per input of its own). Call the function it returns when done.
func watchdog() (stop func()) {
	t := time.AfterFunc(20*time.Second, func() { panic("one input took longer than 20 s") })
	return func() { t.Stop() }
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog()()
		sc, err := DecodeBytes(data, "fuzz.json")
		checkDecoded(t, sc, err, "fuzz.json")
	})
}

func FuzzDecode(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		z := gz(s)
		f.Add(z)
		if i == 0 {
			f.Add(z[:len(z)/2])                   // truncated stream
			f.Add(z[:10])                         // header only
			f.Add(append(bytes.Clone(z), z...))   // two members
			f.Add(append(bytes.Clone(z), 0, 0))   // trailing bytes
			f.Add(s)                              // not compressed
			f.Add([]byte{0x1f, 0x8b})             // magic only
			f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0}) // short header
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog()()
		sc, err := Decode(bytes.NewReader(data), "fuzz.json.gz")
		checkDecoded(t, sc, err, "fuzz.json.gz")
		if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			return
		}
		// Accepted gzip input: its content decodes to the same scenario.
		zr, zerr := gzip.NewReader(bytes.NewReader(data))
		if zerr != nil {
			t.Fatalf("accepted, but gzip.NewReader fails: %v", zerr)
		}
		plain, zerr := io.ReadAll(zr)
		if zerr != nil {
			t.Fatalf("accepted, but the stream does not read: %v", zerr)
		}
		sc2, err := DecodeBytes(plain, "plain")
		if err != nil {
			t.Fatalf("gzip content does not decode: %v", err)
		}
		if err := sameBits(sc2, sc); err != nil {
			t.Fatal(err)
		}
	})
}
