package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHistogramMergeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var whole Histogram
	parts := make([]Histogram, 7)
	var all []float64
	for i := range 20000 {
		v := math.Exp(rng.NormFloat64()*1.5) * 3 // log-normal runtimes around 3 ms
		if i%500 == 0 {
			v = 0
		}
		all = append(all, v)
		whole.Add(v)
		parts[rng.IntN(len(parts))].Add(v)
	}
	// Merge in two different orders and groupings.
	var a, b, c Histogram
	for i := range parts {
		a.Merge(&parts[i])
		b.Merge(&parts[len(parts)-1-i])
	}
	var left, right Histogram
	for i := range parts {
		if i < 3 {
			left.Merge(&parts[i])
		} else {
			right.Merge(&parts[i])
		}
	}
	c.Merge(&left)
	c.Merge(&right)
	wj, _ := json.Marshal(whole)
	for name, h := range map[string]*Histogram{"forward": &a, "backward": &b, "grouped": &c} {
		hj, _ := json.Marshal(*h)
		if string(hj) != string(wj) {
			t.Errorf("%s merge differs from the whole", name)
		}
		for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
			if h.Quantile(q) != whole.Quantile(q) {
				t.Errorf("%s: q%v %v != %v", name, q, h.Quantile(q), whole.Quantile(q))
			}
		}
	}
	// Against the exact nearest-rank quantile: within half a bucket (2^-8 relative).
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := nearestRank(all, q)
		got := whole.Quantile(q)
		if exact == 0 {
			if got != 0 {
				t.Errorf("q%v = %v, want 0", q, got)
			}
			continue
		}
		if rel := math.Abs(got-exact) / exact; rel > 1.0/256 {
			t.Errorf("q%v = %v, exact %v: relative error %v", q, got, exact, rel)
		}
	}
	if whole.Count() != 20000 {
		t.Errorf("count %d", whole.Count())
	}
}

func TestHistogramQuantileHandComputed(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Count() != 0 {
		t.Fatal("empty histogram")
	}
	// 1 and 2 are powers of two: their buckets are [1, 1+1/128) and [2, 2+2/128).
	for _, v := range []float64{1, 1, 1, 2} {
		h.Add(v)
	}
	h.Add(-3) // zero bucket
	h.Add(math.NaN())
	h.Add(math.Inf(1))
	if h.Count() != 5 {
		t.Fatalf("count %d, want 5 (NaN and Inf ignored)", h.Count())
	}
	for _, tc := range []struct{ q, want float64 }{
		{0.2, 0}, {0.21, 1 + 0.5/128}, {0.8, 1 + 0.5/128}, {0.81, 2 + 1.0/128}, {1, 2 + 1.0/128},
	} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("q%v = %v, want %v", tc.q, got, tc.want)
		}
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	idx1 := int(bucketOf(1))
	want := `{"zero":1,"buckets":[[` + itoa(idx1) + `,3],[` + itoa(idx1+128) + `,1]]}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back Histogram
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if b2, _ := json.Marshal(back); string(b2) != string(b) {
		t.Errorf("round trip %s", b2)
	}
	for _, bad := range []string{
		`{"buckets":[[5,0]]}`, `{"buckets":[[7,1],[5,1]]}`, `{"buckets":[[5,1],[5,1]]}`,
		`{"buckets":[[262016,1]]}`, `{"zero":1}`, `{"buckets":[[-1,1]]}`, `[]`,
	} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
