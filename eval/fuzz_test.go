package eval

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeRecord: the record decoder never panics, and whatever it accepts re-encodes canonically and
// decodes again to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	good := &Record{Index: 3, Key: "changing_lane/001", ID: "cl-1", Type: "changing_lane", Source: "builtin",
		Score: 0.75, Metrics: map[string]float64{"ego_is_comfortable": 1, "no_ego_at_fault_collisions": 0.5},
		Planner: newRuntime([]float64{0.5, 1.25, 3, 0})}
	line, _ := encodeRecord(good)
	f.Add(line)
	failed, _ := encodeRecord(&Record{Index: 0, Key: "a.json", ID: "a", Source: "dir/a.json", Error: "dir/a.json: version: unknown"})
	f.Add(failed)
	f.Add(line[:len(line)/2])
	f.Add([]byte(`{"index":-1,"key":"k"}`))
	f.Add([]byte(`{"index":1,"key":"k","score":2}`))
	f.Add([]byte(`{"index":1,"key":"k","score":1,"planner":{"calls":2,"hist":{"buckets":[[130944,1]]}}}`))
	f.Add([]byte(`{"index":1,"key":"k","unknown":1}`))
	f.Add([]byte(`{"index":1,"key":"k","error":"x"} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRecord(data)
		if err != nil {
			return
		}
		b1, err := encodeRecord(r)
		if err != nil {
			t.Fatalf("accepted record does not encode: %v", err)
		}
		r2, err := DecodeRecord(b1)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, b1)
		}
		b2, _ := encodeRecord(r2)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("not canonical:\n%s\n%s", b1, b2)
		}
		// Summaries of accepted records always encode (no NaN or Inf sneaks in).
		if _, err := json.Marshal(Summarize(&Manifest{Total: r.Index + 1}, []*Record{r})); err != nil {
			t.Fatalf("summary does not encode: %v", err)
		}
	})
}
