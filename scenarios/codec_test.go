package scenarios

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asyncdrive/dynamics"
	"asyncdrive/geom"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const goldenFile = "testdata/golden_v1.json"

func encode(t testing.TB, sc *Scenario, compress bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, sc, compress); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden pins the file format: the test scenario encodes to testdata/golden_v1.json byte for byte, and
// the file decodes to the test scenario. Run with -update after an intended format change (and bump
// FormatVersion when old files no longer read).
func TestGolden(t *testing.T) {
	got := encode(t, testScenario(), false)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(i-60, 0)
		t.Fatalf("encoding differs from %s at byte %d:\n got  ...%s\n want ...%s", goldenFile, i,
			got[lo:min(i+60, len(got))], want[lo:min(i+60, len(want))])
	}
	sc, err := Load(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameBits(sc, testScenario()); err != nil {
		t.Errorf("golden file decodes differently: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		want := testScenario()
		data := encode(t, want, compress)
		if gz := len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b; gz != compress {
			t.Errorf("compress %v: gzip magic %v", compress, gz)
		}
		got, err := Decode(bytes.NewReader(data), "mem.json")
		if err != nil {
			t.Fatalf("compress %v: %v", compress, err)
		}
		if err := sameBits(got, want); err != nil {
			t.Errorf("compress %v: %v", compress, err)
		}
		// And once more: encoding is deterministic.
		if again := encode(t, got, compress); !bytes.Equal(again, data) {
			t.Errorf("compress %v: re-encoding differs", compress)
		}
	}
	// An ego vehicle, when given, round-trips under "ego_vehicle"; absent, the key is not written.
	withVehicle := testScenario()
	v, _ := dynamics.CommonRoadVehicle(1)
	withVehicle.Vehicle = &v
	data := encode(t, withVehicle, false)
	if !bytes.Contains(data, []byte(`"ego_vehicle":{`)) || bytes.Contains(encode(t, testScenario(), false), []byte("ego_vehicle")) {
		t.Errorf("ego_vehicle written wrongly")
	}
	got, err := DecodeBytes(data, "vehicle.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sameBits(got, withVehicle); err != nil || got.EgoVehicle() != v {
		t.Errorf("ego vehicle round trip: %v", err)
	}
	// A goal's span along its lane round-trips under "goal_span"; absent, the key is not written.
	withSpan := testScenario()
	withSpan.GoalSpan = &Span{Behind: 48.5, Ahead: 151.25}
	data = encode(t, withSpan, false)
	if !bytes.Contains(data, []byte(`"goal_span":{"behind":48.5,"ahead":151.25}`)) || bytes.Contains(encode(t, testScenario(), false), []byte("goal_span")) {
		t.Errorf("goal_span written wrongly")
	}
	if got, err := DecodeBytes(data, "span.json"); err != nil || got.GoalSpan == nil || *got.GoalSpan != *withSpan.GoalSpan {
		t.Errorf("goal span round trip: %v, %+v", err, got)
	}
	// Awkward floats survive bit for bit, in every kind of field.
	sc := testScenario()
	weird := []float64{0.1, 1.0 / 3, math.Copysign(0, -1), 5e-324, 2.2250738585072014e-308, math.MaxFloat64,
		-math.MaxFloat64, math.Nextafter(1, 2), 664123.4567891234, 1e21, 1e-7}
	for i, x := range weird {
		sc.Expert[i].Accel = x
		sc.Tracks[0].States[i].VY = x
		sc.Map.Lanes[0].Centerline[1].Y = x
		sc.Goal.Heading = x
		data := encode(t, sc, false)
		got, err := DecodeBytes(data, "weird.json")
		if err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		if err := sameBits(got, sc); err != nil {
			t.Errorf("%v: %v", x, err)
		}
	}
}

func TestStateEncodings(t *testing.T) {
	e := EgoState{Pose: geom.Pose{X: 1, Y: -2.5, Heading: 0.5}, Speed: 3, Accel: -0.25, Steering: 0.1}
	b, err := json.Marshal(e)
	if err != nil || string(b) != "[1,-2.5,0.5,3,-0.25,0.1]" {
		t.Errorf("EgoState: %s %v", b, err)
	}
	var e2 EgoState
	if err := json.Unmarshal([]byte(" [ 1 , -2.5, 0.5 ,3,-0.25, 0.1 ] "), &e2); err != nil || e2 != e {
		t.Errorf("EgoState decode: %v %v", e2, err)
	}
	a := AgentState{Pose: geom.Pose{X: 10, Y: 20, Heading: -1.5}, VX: 0.5, VY: -0.75}
	b, err = json.Marshal(a)
	if err != nil || string(b) != "[10,20,-1.5,0.5,-0.75]" {
		t.Errorf("AgentState: %s %v", b, err)
	}
	var a2 AgentState
	if err := json.Unmarshal(b, &a2); err != nil || a2 != a {
		t.Errorf("AgentState decode: %v %v", a2, err)
	}
	// In a slice, as in the file.
	var es []EgoState
	if err := json.Unmarshal([]byte(`[[1,2,3,4,5,6],[7,8,9,10,11,12]]`), &es); err != nil || len(es) != 2 || es[1].Steering != 12 || es[1].Pose.X != 7 {
		t.Errorf("[]EgoState: %v %v", es, err)
	}
	bad := []struct {
		in   string
		ego  bool
		want string
	}{
		{`[1,2,3,4,5]`, true, "got 5 numbers"},
		{`[1,2,3,4,5,6,7]`, true, "got 7 numbers"},
		{`[1,2,3,4,5,null]`, true, "got null"},
		{`{"x":1}`, true, "want [x, y, heading, v, a, steering]"},
		{`[1,2,3,4,"5",6]`, true, "want [x, y, heading, v, a, steering]"},
		{`[1,2,3,4,1e999,6]`, true, "want [x, y, heading, v, a, steering]"},
		{`null`, true, "got 0 numbers"},
		{`[1,2,3,4,5,6]`, false, "got indicator 6"},
		{`[1,2,3,4,5,1,0]`, false, "got 7 numbers"},
		{`[1,2,3,4]`, false, "want [x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator], got 4 numbers"},
		{`[null,2,3,4,5]`, false, "got null"},
		{`"state"`, false, "want [x, y, heading, vx, vy]"},
	}
	for _, c := range bad {
		var err error
		if c.ego {
			err = new(EgoState).UnmarshalJSON([]byte(c.in))
		} else {
			err = new(AgentState).UnmarshalJSON([]byte(c.in))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (ego %v): %v, want %q", c.in, c.ego, err, c.want)
		}
	}
}

// lineColOf returns the 1-based line and column of byte offset off in s, counted independently of lineCol.
func lineColOf(s string, off int) string {
	before := s[:off]
	line := strings.Count(before, "\n") + 1
	col := off - (strings.LastIndex(before, "\n") + 1) + 1
	return fmt.Sprintf("line %d column %d", line, col)
}

// replaceAfter replaces the first old after the first marker in s, returning the result and the offset of
// the replacement.
func replaceAfter(t *testing.T, s, marker, old, new string) (string, int) {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("no %q in the document", marker)
	}
	j := strings.Index(s[i:], old)
	if j < 0 {
		t.Fatalf("no %q after %q", old, marker)
	}
	j += i
	return s[:j] + new + s[j+len(old):], j
}

func TestDecodeErrors(t *testing.T) {
	compact := string(encode(t, testScenario(), false))
	var ib bytes.Buffer
	if err := json.Indent(&ib, []byte(compact), "", "  "); err != nil {
		t.Fatal(err)
	}
	indented := ib.String()

	type tc struct {
		name          string
		doc           string
		elem, problem string
	}
	var cases []tc
	add := func(name, doc, elem, problem string) { cases = append(cases, tc{name, doc, elem, problem}) }

	// Located errors in the indented document: the element path, then the line and column of the value.
	located := []struct {
		name, marker, old, new, elem, problem string
	}{
		{"wrong type for a field", `"dt"`, "0.1", `"fast"`, "dt", "want a number, got JSON string"},
		{"wrong type, nested", `"tracks"`, "4.8", `true`, "tracks[0].length", "want a number, got JSON boolean"},
		{"wrong type for a string", `"roadblock": "rbc2"`, `"rbc2"`, `7`, "map.lanes[3].roadblock", "want a JSON string, got JSON number 7"},
		{"float for an integer", `"id": "ped1"`, `5`, `5.5`, "tracks[1].start", "want an integer, got JSON number 5.5"},
		{"object for an array", `"route"`, `[`, `{"a": 1}, "x": [`, "route", "want a JSON array, got JSON object"},
		{"number out of range in a plain field", `"dt"`, "0.1", "1e999", "dt", "number 1e999 is out of the range of float64"},
		{"number out of range in the expert log", `"expert"`, "5", "1e999", "expert[0]", "number 1e999 is out of the range"},
		{"number out of range in a point", `"id": "c2"`, "50", "-1e400", "map.lanes[3].centerline[0]", "number -1e400 is out of the range"},
		{"string in a track state", `"id": "bike1"`, "75", `"75"`, "tracks[2].states[0]", "want [x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator], got JSON string as element 0"},
		{"null in a point", `"id": "l3"`, "120", "null", "map.lanes[4].centerline[1]", "want [x, y], got JSON null as element 0"},
		{"unknown field", `"version"`, `"id"`, `"colour": "red", "id"`, "colour", `unknown field "colour"`},
		{"unknown nested field", `"id": "l2"`, `"id"`, `"width": 3.5, "id"`, "map.lanes[1].width", `unknown field "width"`},
		{"unknown field in the goal", `"goal"`, `"x"`, `"z": 1, "x"`, "goal.z", `unknown field "z"`},
		{"version as a string", `"version"`, "1", `"1"`, "version", "want a number, got JSON string"},
	}
	for _, c := range located {
		doc, off := replaceAfter(t, indented, c.marker, c.old, c.new)
		add(c.name, doc, c.elem+" ("+lineColOf(doc, off)+")", c.problem)
	}
	// The number of numbers in a state or a point is checked where the array starts.
	doc, off := replaceAfter(t, compact, `"expert":`, "[5,0,0,10,0.5,0]", "[5,0,0,10,0.5]")
	add("expert state too short", doc, "expert[0] (line 1 column "+fmt.Sprint(off+1)+")", "want [x, y, heading, v, a, steering], got 5 numbers")
	doc, off = replaceAfter(t, compact, `"id":"cone1"`, "[15,-10,0,0,0]", "[15,-10,0,0,0,1,0]")
	add("track state too long", doc, "tracks[3].states[0] (line 1 column "+fmt.Sprint(off+1)+")", "want [x, y, heading, vx, vy] or [x, y, heading, vx, vy, indicator], got 7 numbers")
	doc, off = replaceAfter(t, compact, `"id":"cw1"`, "[80,-3]", "[80,-3,0]")
	add("3-d point", doc, "map.crosswalks[0].polygon[0] (line 1 column "+fmt.Sprint(off+1)+")", "want [x, y], got 3 numbers")

	// Hand-computed position: "7" is on line 3, column 9.
	add("hand-computed line and column", "{\n  \"version\": 1,\n  \"id\": 7\n}", "id (line 3 column 9)", "want a JSON string, got JSON number 7")

	// Syntax errors point at the offending byte.
	add("not JSON at all", "hello", "line 1 column 1", "invalid JSON: invalid character 'h'")
	add("not JSON, later", "{\n  \"version\": 1,\n  oops\n}", "line 3 column 3", "invalid JSON: invalid character 'o'")
	add("empty file", "", "line 1 column 1", "invalid JSON: unexpected end of JSON input")
	trunc := indented[:len(indented)/2]
	add("truncated JSON", trunc, lineColOf(trunc, len(trunc)), "invalid JSON: unexpected end of JSON input")
	add("trailing garbage", compact+"x", "", "invalid character 'x' after top-level value")
	add("top-level array", "[1, 2]", "(document) (line 1 column 1)", "want a JSON object, got JSON array")

	// Version.
	add("version 99", strings.Replace(compact, `"version":1`, `"version":99`, 1), "version", "unknown format version 99 (this build reads version 1)")
	add("missing version", strings.Replace(compact, `"version":1,`, "", 1), "version", "missing")
	add("null version", strings.Replace(compact, `"version":1`, `"version":null`, 1), "version", "missing")

	// Decoded but invalid: the validator's element.
	add("validation error", strings.Replace(compact, `"route":["rb1","rbc1","rb3"]`, `"route":["rb1","nope"]`, 1),
		"route[1]", `unknown roadblock "nope"`)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, via := range []string{"DecodeBytes", "Decode", "Decode gzip"} {
				var err error
				switch via {
				case "DecodeBytes":
					_, err = DecodeBytes([]byte(c.doc), "bad.json")
				case "Decode":
					_, err = Decode(strings.NewReader(c.doc), "bad.json")
				case "Decode gzip":
					var zb bytes.Buffer
					zw := gzip.NewWriter(&zb)
					zw.Write([]byte(c.doc))
					zw.Close()
					_, err = Decode(&zb, "bad.json")
				}
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("%s: %v (%T), want a *FileError", via, err, err)
				}
				if fe.File != "bad.json" || !strings.HasPrefix(err.Error(), "bad.json: ") {
					t.Errorf("%s: the error does not name the file: %v", via, err)
				}
				if !strings.Contains(fe.Element, c.elem) || !strings.Contains(fe.Problem, c.problem) {
					t.Errorf("%s: element %q, problem %q; want %q and %q", via, fe.Element, fe.Problem, c.elem, c.problem)
				}
			}
		})
	}
}

func TestDecodeGzipErrors(t *testing.T) {
	good := encode(t, testScenario(), true)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-6] ^= 0xff // in the CRC-32 trailer
	cases := []struct {
		name    string
		data    []byte
		problem string
	}{
		{"bad header", []byte{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "bad gzip stream"},
		{"magic only", []byte{0x1f, 0x8b}, "bad gzip stream"},
		{"truncated stream", good[:len(good)/2], "read: unexpected EOF"},
		{"bad checksum", flipped, "read: gzip: invalid checksum"},
		{"garbage after the stream", append(bytes.Clone(good), "junk junk junk junk"...), "read: gzip: invalid header"},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.data), "bad.json.gz")
		var fe *FileError
		if !errors.As(err, &fe) || fe.File != "bad.json.gz" || !strings.Contains(fe.Problem, c.problem) {
			t.Errorf("%s: %v, want a FileError for bad.json.gz with %q", c.name, err, c.problem)
		}
	}
	// Two concatenated gzip members of one document decode as one stream.
	plain := encode(t, testScenario(), false)
	var zb bytes.Buffer
	for _, part := range [][]byte{plain[:100], plain[100:]} {
		zw := gzip.NewWriter(&zb)
		zw.Write(part)
		zw.Close()
	}
	if _, err := Decode(&zb, "multi.json.gz"); err != nil {
		t.Errorf("multistream gzip: %v", err)
	}
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	want := testScenario()
	for _, name := range []string{"a.json", "b.json.gz"} {
		path := filepath.Join(dir, name)
		if err := Save(path, want); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if gz := data[0] == 0x1f && data[1] == 0x8b; gz != strings.HasSuffix(name, ".gz") {
			t.Errorf("%s: gzip %v", name, gz)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameBits(got, want); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o044 != 0o044 {
			t.Errorf("%s: mode %v, want readable by group and others", name, fi.Mode())
		}
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("files after Save: %v, want a.json and b.json.gz only", got)
	}
	// Saving over an existing file replaces it.
	path := filepath.Join(dir, "a.json")
	sc2 := testScenario()
	sc2.ID = "replaced"
	if err := Save(path, sc2); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got.ID != "replaced" {
		t.Errorf("after replacing: %v, %v", got, err)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("files after replacing: %v", got)
	}
	// An invalid scenario is not written, and the error names the file.
	bad := testScenario()
	bad.Route = nil
	err := Save(path, bad)
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != path || fe.Element != "route" {
		t.Errorf("Save(invalid) = %v", err)
	}
	if got, err := Load(path); err != nil || got.ID != "replaced" {
		t.Errorf("after a failed Save the file changed: %v, %v", got, err)
	}
	// A failing writer leaves neither a partial file nor a temporary one, and the old file stays.
	boom := errors.New("boom")
	if err := WriteFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("WriteFileAtomic = %v, want boom", err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "new.json"), func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("WriteFileAtomic = %v, want boom", err)
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("files after failed writes: %v", got)
	}
	if got, err := Load(path); err != nil || got.ID != "replaced" {
		t.Errorf("after a failed write the file changed: %v, %v", got, err)
	}
	// Missing files and folders.
	if _, err := Load(filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
	if err := Save(filepath.Join(dir, "no", "such", "dir.json"), want); err == nil {
		t.Error("Save into a missing folder succeeded")
	}
	// A file that is not a scenario.
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte("not json"), 0o644)
	if _, err := Load(junk); !errors.As(err, &fe) || fe.File != junk {
		t.Errorf("Load(junk) = %v", err)
	}
}

func TestIsScenarioFile(t *testing.T) {
	for name, want := range map[string]bool{
		"a.json": true, "dir/b.json.gz": true, "c.gz": false, "d.json.bak": false, "e.JSON": false, "f": false,
	} {
		if got := IsScenarioFile(name); got != want {
			t.Errorf("IsScenarioFile(%q) = %v", name, got)
		}
	}
}

func TestIndicatorRoundTrip(t *testing.T) {
	for _, ind := range []Indicator{IndicatorOff, IndicatorLeft, IndicatorRight} {
		in := AgentState{Pose: geom.Pose{X: 1, Y: 2, Heading: 0.5}, VX: 3, VY: 4, Indicator: ind}
		b, err := in.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var out AgentState
		if err := out.UnmarshalJSON(b); err != nil || out != in {
			t.Errorf("indicator %d: %s decodes to %+v (%v), want %+v", ind, b, out, err, in)
		}
		if n := strings.Count(string(b), ","); (ind == IndicatorOff) != (n == 4) {
			t.Errorf("indicator %d encodes as %s", ind, b)
		}
	}
}
