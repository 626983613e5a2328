package metrics

import (
	"math"

	"asyncdrive/dynamics"
)

// MaxSavGolWindow and MaxSavGolPoly bound SavGol's window length and polynomial order.
const (
	MaxSavGolWindow = 63
	MaxSavGolPoly   = 5
)

// savgolCoeffs writes into h (len w) the weights that, dotted with w consecutive samples, give the deriv-th
// derivative at abscissa pos (in samples, from the first) of the least-squares polynomial of order poly
// through them, for samples delta apart. It returns false when the system is singular.
func savgolCoeffs(h []float64, w, poly, deriv int, delta, pos float64) bool {
	// Scale abscissae to [-1, 1] for conditioning, as scipy does.
	scale := math.Max(math.Max(pos, float64(w-1)-pos), 1)
	p := poly + 1
	var g [MaxSavGolPoly + 1][MaxSavGolPoly + 2]float64 // normal equations with the right-hand side
	for k := 0; k < w; k++ {
		t := (float64(k) - pos) / scale
		var pw [2*MaxSavGolPoly + 1]float64
		pw[0] = 1
		for j := 1; j < 2*p-1; j++ {
			pw[j] = pw[j-1] * t
		}
		for i := 0; i < p; i++ {
			for j := 0; j < p; j++ {
				g[i][j] += pw[i+j]
			}
		}
	}
	for i := 0; i < p; i++ {
		g[i][p] = 0
	}
	g[deriv][p] = 1
	// Gaussian elimination with partial pivoting.
	for c := 0; c < p; c++ {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(g[r][c]) > math.Abs(g[piv][c]) {
				piv = r
			}
		}
		if g[piv][c] == 0 {
			return false
		}
		g[c], g[piv] = g[piv], g[c]
		for r := 0; r < p; r++ {
			if r == c {
				continue
			}
			f := g[r][c] / g[c][c]
			for j := c; j <= p; j++ {
				g[r][j] -= f * g[c][j]
			}
		}
	}
	var z [MaxSavGolPoly + 1]float64
	for i := 0; i < p; i++ {
		z[i] = g[i][p] / g[i][i]
	}
	fact := 1.0
	for i := 2; i <= deriv; i++ {
		fact *= float64(i)
	}
	k0 := fact / math.Pow(delta*scale, float64(deriv))
	for k := 0; k < w; k++ {
		t := (float64(k) - pos) / scale
		v, tp := 0.0, 1.0
		for j := 0; j < p; j++ {
			v += z[j] * tp
			tp *= t
		}
		h[k] = k0 * v
	}
	return true
}

// SavGol writes into dst (len(src)) the Savitzky-Golay filtered series of src, or its deriv-th derivative for
// samples delta apart, as scipy.signal.savgol_filter with mode "interp" (which nuPlan's state extractors use):
// inside, a least-squares polynomial of order poly over window samples evaluated at the window's middle (for
// an even window, half a sample after its centre-left sample, as scipy does); within window/2 of either end,
// the polynomial fitted to the first or last window samples. The window is clamped to len(src). It returns
// false, leaving dst untouched, when the window is not longer than poly or exceeds the supported sizes. dst
// and src may not overlap. It does not allocate.
func SavGol(dst, src []float64, window, poly, deriv int, delta float64) bool {
	n := len(src)
	w := min(window, n)
	if poly < 0 || poly >= w || poly > MaxSavGolPoly || w > MaxSavGolWindow || deriv < 0 || len(dst) < n {
		return false
	}
	if deriv > poly {
		for i := range n {
			dst[i] = 0
		}
		return true
	}
	var h [MaxSavGolWindow]float64
	half := w / 2
	even := w%2 == 0
	// Inside: one set of weights.
	pos, off := float64(half), half
	if even {
		pos, off = float64(half)-0.5, half-1
	}
	if !savgolCoeffs(h[:w], w, poly, deriv, delta, pos) {
		return false
	}
	for i := half; i < n-half; i++ {
		s := 0.0
		x := src[i-off : i-off+w]
		for k := range w {
			s += h[k] * x[k]
		}
		dst[i] = s
	}
	// Ends: the polynomial through the first and last w samples, evaluated at each end sample.
	for i := range half {
		if !savgolCoeffs(h[:w], w, poly, deriv, delta, float64(i)) {
			return false
		}
		a, b := 0.0, 0.0
		lo, hi := src[:w], src[n-w:]
		for k := range w {
			a += h[k] * lo[k]
		}
		// The last samples mirror the first: position w-1-i of the last window.
		if !savgolCoeffs(h[:w], w, poly, deriv, delta, float64(w-1-i)) {
			return false
		}
		for k := range w {
			b += h[k] * hi[k]
		}
		dst[i] = a
		dst[n-1-i] = b
	}
	return true
}

// savgolPlan caches the weights of one Savitzky-Golay configuration for a series length.
type savgolPlan struct {
	w, poly, deriv int
	delta          float64
	ok, set        bool
	inner          []float64 // w weights for the inside
	ends           []float64 // 2*(w/2) rows of w weights: first-window rows, then last-window rows
}

// prepare computes the weights unless they are cached; it reports whether the configuration is usable.
func (p *savgolPlan) prepare(window, poly, deriv int, delta float64, n int) bool {
	w := min(window, n)
	if p.set && p.w == w && p.poly == poly && p.deriv == deriv && p.delta == delta {
		return p.ok
	}
	p.w, p.poly, p.deriv, p.delta, p.set, p.ok = w, poly, deriv, delta, true, false
	if poly < 0 || poly >= w || poly > MaxSavGolPoly || w > MaxSavGolWindow || deriv < 0 || deriv > poly {
		return false
	}
	half := w / 2
	p.inner = grow(p.inner, w)
	p.ends = grow(p.ends, 2*half*w)
	pos := float64(half)
	if w%2 == 0 {
		pos -= 0.5
	}
	if !savgolCoeffs(p.inner, w, poly, deriv, delta, pos) {
		return false
	}
	for i := range half {
		if !savgolCoeffs(p.ends[i*w:(i+1)*w], w, poly, deriv, delta, float64(i)) ||
			!savgolCoeffs(p.ends[(half+i)*w:(half+i+1)*w], w, poly, deriv, delta, float64(w-1-i)) {
			return false
		}
	}
	p.ok = true
	return true
}

// apply filters src into dst (both of the length the plan was prepared for).
func (p *savgolPlan) apply(dst, src []float64) {
	n, w := len(src), p.w
	half := w / 2
	off := half
	if w%2 == 0 {
		off = half - 1
	}
	for i := half; i < n-half; i++ {
		s := 0.0
		x := src[i-off : i-off+w]
		for k, h := range p.inner {
			s += h * x[k]
		}
		dst[i] = s
	}
	lo, hi := src[:w], src[n-w:]
	for i := range half {
		a, b := 0.0, 0.0
		ha, hb := p.ends[i*w:(i+1)*w], p.ends[(half+i)*w:(half+i+1)*w]
		for k := range w {
			a += ha[k] * lo[k]
			b += hb[k] * hi[k]
		}
		dst[i] = a
		dst[n-1-i] = b
	}
}

// filter runs a cached configuration; false when it is not usable for len(src).
func (p *savgolPlan) filter(dst, src []float64, window, poly, deriv int, delta float64) bool {
	if !p.prepare(window, poly, deriv, delta, len(src)) {
		return false
	}
	p.apply(dst, src)
	return true
}

// round8 rounds to 8 decimals as numpy's round does (half to even on x*1e8), as nuPlan's extractors do.
func round8(x float64) float64 { return math.RoundToEven(x*1e8) / 1e8 }

// UnwrapAngles rewrites headings in place so that successive values differ by at most pi (nuPlan's
// phase_unwrap).
func UnwrapAngles(h []float64) {
	adj := 0.0
	prev := 0.0
	for i := range h {
		raw := h[i]
		if i > 0 {
			adj += math.RoundToEven((raw - prev) / (2 * math.Pi))
		}
		prev = raw
		h[i] = raw - 2*math.Pi*adj
	}
}

// ComfortResult holds the extremes of the comfort quantities of a run and which stayed within bounds.
type ComfortResult struct {
	MinLonAccel, MaxLonAccel float64 // m/s^2
	MaxAbsLatAccel           float64 // m/s^2
	MaxAbsJerk               float64 // m/s^3
	MaxAbsLonJerk            float64 // m/s^3
	MaxAbsYawRate            float64 // rad/s
	MaxAbsYawAccel           float64 // rad/s^2
	LonAccelOK, LatAccelOK   bool    // accelerations within bounds
	JerkOK, LonJerkOK        bool    // jerks within bounds
	YawRateOK, YawAccelOK    bool    // yaw rate and acceleration within bounds
	// The frames (indices into the states) of the extremes above, the first where several are equal.
	MinLonAccelFrame, MaxLonAccelFrame, LatAccelFrame, JerkFrame, LonJerkFrame, YawRateFrame, YawAccelFrame int
}

// Comfortable reports whether every quantity stayed within bounds (ego_is_comfortable).
func (c ComfortResult) Comfortable() bool {
	return c.LonAccelOK && c.LatAccelOK && c.JerkOK && c.LonJerkOK && c.YawRateOK && c.YawAccelOK
}

// ComfortBuffer is the scratch space of the comfort kernels. Its zero value is ready to use; it grows to the
// longest series seen and is reused, so steady-state calls do not allocate. It is not safe for concurrent use.
type ComfortBuffer struct {
	lon, lat, mag, head, t1, t2    []float64
	accel, jerk, yawRate, yawAccel savgolPlan
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func (b *ComfortBuffer) resize(n int) {
	b.lon, b.lat, b.mag, b.head = grow(b.lon, n), grow(b.lat, n), grow(b.mag, n), grow(b.head, n)
	b.t1, b.t2 = grow(b.t1, n), grow(b.t2, n)
}

// Comfort computes ego_is_comfortable from ego states spaced dt apart. From each rear-axle state (speed v,
// longitudinal acceleration a, yaw rate w, yaw acceleration al estimated as the yaw rate's backward difference)
// it takes the rigid-body acceleration at the box centre, d metres ahead of the rear axle: longitudinal
// a - w^2 d, lateral v w + al d; and the rear axle's acceleration magnitude hypot(a, v w). Then ComfortSeries.
// b is reused work space; nil allocates a fresh one.
func Comfort(states []dynamics.State, vehicle dynamics.VehicleParams, dt float64, bounds ComfortBounds, b *ComfortBuffer) ComfortResult {
	return comfort(states, vehicle, dt, bounds, b, false)
}

// IsComfortable is Comfort(...).Comfortable(), stopping at the first quantity outside its bounds: for a
// scorer that needs the verdict only.
func IsComfortable(states []dynamics.State, vehicle dynamics.VehicleParams, dt float64, bounds ComfortBounds, b *ComfortBuffer) bool {
	return comfort(states, vehicle, dt, bounds, b, true).Comfortable()
}

// comfort is Comfort; with verdictOnly it returns as soon as a quantity is outside its bounds.
func comfort(states []dynamics.State, vehicle dynamics.VehicleParams, dt float64, bounds ComfortBounds, b *ComfortBuffer, verdictOnly bool) ComfortResult {
	if b == nil {
		b = new(ComfortBuffer)
	}
	n := len(states)
	b.resize(n)
	d := vehicle.RearAxleToCenter()
	for i, s := range states {
		al := 0.0
		switch {
		case i > 0:
			al = (s.YawRate - states[i-1].YawRate) / dt
		case n > 1:
			al = (states[1].YawRate - s.YawRate) / dt
		}
		b.lon[i] = s.Accel - s.YawRate*s.YawRate*d
		b.lat[i] = s.Speed*s.YawRate + al*d
		b.mag[i] = math.Hypot(s.Accel, s.Speed*s.YawRate)
		b.head[i] = s.Pose.Heading
	}
	return comfortSeries(b.lon, b.lat, b.mag, b.head, dt, bounds, b, verdictOnly)
}

// ComfortSeries computes ego_is_comfortable from raw per-frame series spaced dt apart, with nuPlan's state
// extractors: the accelerations (lon and lat at the box centre, mag the acceleration magnitude) are smoothed
// by a Savitzky-Golay filter (window 8, order 2) and rounded to 8 decimals; jerk and longitudinal jerk are the
// first derivatives (window 15, order 2) of the smoothed magnitude and longitudinal series; yaw rate and yaw
// acceleration are the first (order 2) and second (order 3) derivatives of the unwrapped headings over a
// window of 5. Windows are clamped to the series length; a quantity whose window is too short for its order
// counts as within bounds. A quantity is within bounds when strictly inside them. The input series may be
// b's own (as Comfort passes them); head is unwrapped in place. It does not allocate once b has grown.
func ComfortSeries(lon, lat, mag, head []float64, dt float64, bounds ComfortBounds, b *ComfortBuffer) ComfortResult {
	return comfortSeries(lon, lat, mag, head, dt, bounds, b, false)
}

// comfortSeries is ComfortSeries; with verdictOnly it returns as soon as a quantity is outside its bounds,
// the quantities after it left unmeasured.
func comfortSeries(lon, lat, mag, head []float64, dt float64, bounds ComfortBounds, b *ComfortBuffer, verdictOnly bool) ComfortResult {
	if b == nil {
		b = new(ComfortBuffer)
	}
	n := len(lon)
	b.t1, b.t2 = grow(b.t1, n), grow(b.t2, n)
	r := ComfortResult{
		MinLonAccel: math.Inf(1), MaxLonAccel: math.Inf(-1),
		LonAccelOK: true, LatAccelOK: true, JerkOK: true, LonJerkOK: true, YawRateOK: true, YawAccelOK: true,
	}
	t1, t2 := b.t1, b.t2
	// Longitudinal acceleration and jerk.
	if b.accel.filter(t1, lon, 8, 2, 0, dt) {
		roundAll(t1)
		for i, v := range t1 {
			if v < r.MinLonAccel {
				r.MinLonAccel, r.MinLonAccelFrame = v, i
			}
			if v > r.MaxLonAccel {
				r.MaxLonAccel, r.MaxLonAccelFrame = v, i
			}
		}
		r.LonAccelOK = r.MinLonAccel > bounds.MinLonAccel && r.MaxLonAccel < bounds.MaxLonAccel
		if b.jerk.filter(t2, t1, 15, 2, 1, dt) {
			r.MaxAbsLonJerk, r.LonJerkFrame = maxAbsRounded(t2)
			r.LonJerkOK = r.MaxAbsLonJerk < bounds.MaxAbsLonJerk
		}
	} else {
		r.MinLonAccel, r.MaxLonAccel = 0, 0
	}
	if verdictOnly && !r.Comfortable() {
		return r
	}
	// Lateral acceleration.
	if b.accel.filter(t1, lat, 8, 2, 0, dt) {
		r.MaxAbsLatAccel, r.LatAccelFrame = maxAbsRounded(t1)
		r.LatAccelOK = r.MaxAbsLatAccel < bounds.MaxAbsLatAccel
	}
	if verdictOnly && !r.LatAccelOK {
		return r
	}
	// Jerk of the acceleration magnitude.
	if b.accel.filter(t1, mag, 8, 2, 0, dt) {
		roundAll(t1)
		if b.jerk.filter(t2, t1, 15, 2, 1, dt) {
			r.MaxAbsJerk, r.JerkFrame = maxAbsRounded(t2)
			r.JerkOK = r.MaxAbsJerk < bounds.MaxAbsJerk
		}
	}
	if verdictOnly && !r.JerkOK {
		return r
	}
	// Yaw rate and yaw acceleration.
	UnwrapAngles(head)
	if b.yawRate.filter(t1, head, 5, 2, 1, dt) {
		r.MaxAbsYawRate, r.YawRateFrame = maxAbsRounded(t1)
		r.YawRateOK = r.MaxAbsYawRate < bounds.MaxAbsYawRate
	}
	if verdictOnly && !r.YawRateOK {
		return r
	}
	if b.yawAccel.filter(t1, head, 5, 3, 2, dt) {
		r.MaxAbsYawAccel, r.YawAccelFrame = maxAbsRounded(t1)
		r.YawAccelOK = r.MaxAbsYawAccel < bounds.MaxAbsYawAccel
	}
	return r
}

func roundAll(s []float64) {
	for i, v := range s {
		s[i] = round8(v)
	}
}

// maxAbsRounded returns the largest magnitude in s (rounded to 1e-8) and the first index holding it.
func maxAbsRounded(s []float64) (float64, int) {
	m, at := 0.0, 0
	for i, v := range s {
		if a := math.Abs(round8(v)); a > m {
			m, at = a, i
		}
	}
	return m, at
}

// ComfortScore returns ego_is_comfortable as a score: 1 when comfortable.
func ComfortScore(c ComfortResult) float64 {
	if c.Comfortable() {
		return 1
	}
	return 0
}

// ComfortViolation is one comfort quantity of a run outside nuPlan's bound.
type ComfortViolation struct {
	Name  string  // lon_accel, lat_accel, jerk, lon_jerk, yaw_rate or yaw_accel
	Value float64 // the run's extreme (for lon_accel the one outside the interval)
	Bound float64 // the bound it broke (for lon_accel the interval's end it passed)
	Frame int     // the frame of the extreme
}

// Violations lists the quantities outside their bounds, in the order nuPlan's comfort metric checks them;
// empty for a comfortable run.
func (c ComfortResult) Violations(b ComfortBounds) []ComfortViolation {
	var out []ComfortViolation
	if !c.LonAccelOK {
		if c.MaxLonAccel >= b.MaxLonAccel {
			out = append(out, ComfortViolation{"lon_accel", c.MaxLonAccel, b.MaxLonAccel, c.MaxLonAccelFrame})
		} else {
			out = append(out, ComfortViolation{"lon_accel", c.MinLonAccel, b.MinLonAccel, c.MinLonAccelFrame})
		}
	}
	if !c.LatAccelOK {
		out = append(out, ComfortViolation{"lat_accel", c.MaxAbsLatAccel, b.MaxAbsLatAccel, c.LatAccelFrame})
	}
	if !c.JerkOK {
		out = append(out, ComfortViolation{"jerk", c.MaxAbsJerk, b.MaxAbsJerk, c.JerkFrame})
	}
	if !c.LonJerkOK {
		out = append(out, ComfortViolation{"lon_jerk", c.MaxAbsLonJerk, b.MaxAbsLonJerk, c.LonJerkFrame})
	}
	if !c.YawRateOK {
		out = append(out, ComfortViolation{"yaw_rate", c.MaxAbsYawRate, b.MaxAbsYawRate, c.YawRateFrame})
	}
	if !c.YawAccelOK {
		out = append(out, ComfortViolation{"yaw_accel", c.MaxAbsYawAccel, b.MaxAbsYawAccel, c.YawAccelFrame})
	}
	return out
}
