package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Histogram is a sparse log-bucket histogram of positive durations (milliseconds), mergeable without loss:
// merging the histograms of parts gives exactly the histogram of the whole, so percentiles of a merged
// (sharded or resumed) run equal those of a single run.
//
// A bucket is an interval [2^e * (1 + k/128), 2^e * (1 + (k+1)/128)): the exponent and the top 7 bits of the
// mantissa of the float64, taken from its bit pattern, so bucketing is exact and the same on every machine.
// A quantile is reported as the midpoint of its bucket: within 0.4% of the true value. Zero and negative
// values go to a separate zero bucket reported as 0.
type Histogram struct {
	zero    uint64
	buckets map[int32]uint64
}

// histShift drops all but the top histBits bits of the mantissa.
const (
	histBits  = 7
	histShift = 52 - histBits
	// histMaxIndex is the first index past the finite positive floats (the bucket of +Inf).
	histMaxIndex = int32(0x7ff << histBits)
)

func bucketOf(v float64) int32 { return int32(math.Float64bits(v) >> histShift) }

// bucketBounds returns the interval [lo, hi) of bucket i.
func bucketBounds(i int32) (lo, hi float64) {
	return math.Float64frombits(uint64(i) << histShift), math.Float64frombits(uint64(i+1) << histShift)
}

// Add records one value. Non-finite values are ignored (callers validate them first).
func (h *Histogram) Add(v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return
	case v <= 0:
		h.zero++
		return
	}
	if h.buckets == nil {
		h.buckets = make(map[int32]uint64)
	}
	h.buckets[bucketOf(v)]++
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	h.zero += o.zero
	if len(o.buckets) > 0 && h.buckets == nil {
		h.buckets = make(map[int32]uint64, len(o.buckets))
	}
	for i, c := range o.buckets {
		h.buckets[i] += c
	}
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 {
	n := h.zero
	for _, c := range h.buckets {
		n += c
	}
	return n
}

func (h *Histogram) sortedIndices() []int32 {
	idx := make([]int32, 0, len(h.buckets))
	for i := range h.buckets {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	return idx
}

// Quantile returns the nearest-rank q-quantile (0 < q <= 1): the midpoint of the bucket holding the
// ceil(q*n)-th smallest value. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) float64 {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = max(1, min(rank, n))
	if rank <= h.zero {
		return 0
	}
	cum := h.zero
	for _, i := range h.sortedIndices() {
		cum += h.buckets[i]
		if cum >= rank {
			lo, hi := bucketBounds(i)
			return lo + (hi-lo)/2
		}
	}
	return 0 // unreachable: cum reaches n
}

// histJSON is the JSON form: {"zero": n, "buckets": [[index, count], ...]} with indices increasing.
type histJSON struct {
	Zero    uint64      `json:"zero,omitempty"`
	Buckets [][2]uint64 `json:"buckets"`
}

// MarshalJSON encodes h canonically (buckets sorted by index), so equal histograms encode to equal bytes.
func (h Histogram) MarshalJSON() ([]byte, error) {
	j := histJSON{Zero: h.zero, Buckets: make([][2]uint64, 0, len(h.buckets))}
	for _, i := range h.sortedIndices() {
		j.Buckets = append(j.Buckets, [2]uint64{uint64(i), h.buckets[i]})
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes and checks the canonical form: indices of finite positive buckets, strictly
// increasing, with positive counts.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	var j histJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if j.Buckets == nil {
		return errors.New("histogram: missing buckets")
	}
	*h = Histogram{zero: j.Zero}
	last := int64(-1)
	for k, b := range j.Buckets {
		if b[0] >= uint64(histMaxIndex) || b[1] == 0 || int64(b[0]) <= last {
			return fmt.Errorf("histogram: bucket %d: index %d count %d (want increasing indices below %d, counts > 0)",
				k, b[0], b[1], histMaxIndex)
		}
		last = int64(b[0])
		if h.buckets == nil {
			h.buckets = make(map[int32]uint64, len(j.Buckets))
		}
		h.buckets[int32(b[0])] = b[1]
	}
	return nil
}
