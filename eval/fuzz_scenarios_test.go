package eval

import (
	"bytes"
	"strings"
	"testing"

	"asyncdrive/scenarios"
)

// FuzzDecodeScenario fuzzes the scenario file decoder that eval feeds with files from outside: it must
// never panic, every error must be a *scenarios.FileError naming the file, and a scenario it accepts must
// encode and decode again.
func FuzzDecodeScenario(f *testing.F) {
	var buf bytes.Buffer
	if err := scenarios.Encode(&buf, testScenario("fuzz-1", "changing_lane"), false); err != nil {
		f.Fatal(err)
	}
	good := buf.String()
	f.Add([]byte(good))
	f.Add([]byte(good[:len(good)/2]))
	f.Add([]byte(strings.Replace(good, `"version":1`, `"version":99`, 1)))
	f.Add([]byte(strings.Replace(good, `"goal":{"x":90`, `"goal":{"x":1e999`, 1)))
	f.Add([]byte(strings.Replace(good, `"goal":{"x":90`, `"goal":{"x":NaN`, 1)))
	f.Add([]byte(strings.Replace(good, `"lanes":["lane"]`, `"lanes":["nope"]`, 1)))
	f.Add([]byte(strings.Replace(good, `[0,0,0,10,0,0]`, `[0,0,0,10,0]`, 1)))
	f.Add([]byte(strings.Replace(good, `"tracks":null`, `"tracks":[{"id":"a","type":"vehicle","length":4,"width":2,"start":0,"states":[[1,2,0,1,0]]}]`, 1)))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenarios.DecodeBytes(data, "fuzz.json")
		if err != nil {
			fe, ok := err.(*scenarios.FileError)
			if !ok || fe.File != "fuzz.json" || !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error %T %q does not name the file", err, err)
			}
			return
		}
		var out bytes.Buffer
		if err := scenarios.Encode(&out, sc, false); err != nil {
			t.Fatalf("accepted scenario does not encode: %v", err)
		}
		if _, err := scenarios.DecodeBytes(out.Bytes(), "again.json"); err != nil {
			t.Fatalf("accepted scenario does not decode again: %v\n%s", err, out.Bytes())
		}
	})
}
