package perception

import "math"

// hungarian solves square assignment problems (minimum total cost) with the shortest augmenting path form of
// the Hungarian method, O(n^3), in buffers that it keeps between calls, so that steady use does not allocate.
type hungarian struct {
	n             int
	cost          []float64 // n*n, row-major: cost[i*n+j] of giving row i column j
	u, v, minv    []float64
	p, way, match []int
	used          []bool
}

// reset prepares an n x n problem with every cost set to fill and returns the cost matrix to fill in.
func (h *hungarian) reset(n int, fill float64) []float64 {
	h.n = n
	h.cost = grow(h.cost, n*n)
	for i := range h.cost {
		h.cost[i] = fill
	}
	return h.cost
}

// solve returns, for every row, the column assigned to it.
func (h *hungarian) solve() []int {
	n := h.n
	h.u = grow(h.u, n+1)
	h.v = grow(h.v, n+1)
	h.minv = grow(h.minv, n+1)
	h.p = grow(h.p, n+1)
	h.way = grow(h.way, n+1)
	h.match = grow(h.match, n)
	h.used = grow(h.used, n+1)
	for i := 0; i <= n; i++ {
		h.u[i], h.v[i], h.p[i], h.way[i] = 0, 0, 0, 0
	}
	for i := 1; i <= n; i++ {
		h.p[0] = i
		j0 := 0
		for j := 0; j <= n; j++ {
			h.minv[j] = math.Inf(1)
			h.used[j] = false
		}
		for {
			h.used[j0] = true
			i0 := h.p[j0]
			delta := math.Inf(1)
			j1 := 0
			for j := 1; j <= n; j++ {
				if h.used[j] {
					continue
				}
				cur := h.cost[(i0-1)*n+j-1] - h.u[i0] - h.v[j]
				if cur < h.minv[j] {
					h.minv[j] = cur
					h.way[j] = j0
				}
				if h.minv[j] < delta {
					delta = h.minv[j]
					j1 = j
				}
			}
			for j := 0; j <= n; j++ {
				if h.used[j] {
					h.u[h.p[j]] += delta
					h.v[j] -= delta
				} else {
					h.minv[j] -= delta
				}
			}
			j0 = j1
			if h.p[j0] == 0 {
				break
			}
		}
		for {
			j1 := h.way[j0]
			h.p[j0] = h.p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	for j := 1; j <= n; j++ {
		if h.p[j] > 0 {
			h.match[h.p[j]-1] = j - 1
		}
	}
	return h.match[:n]
}

// grow returns s with length n, reusing its storage when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/2)
}
