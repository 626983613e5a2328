package dynamics

import (
	"math"

	"asyncdrive/geom"
)

// initialCurvaturePenalty is nuPlan's INITIAL_CURVATURE_PENALTY (tracker_utils.py): a tiny weight on the
// initial curvature that keeps the curvature fit well posed when the fitted speed is zero.
const initialCurvaturePenalty = 1e-10

// profileFit is the workspace of the velocity and curvature fit. The velocity fit's normal matrix depends only
// on the number of displacements, the step and the penalty, so its factorisation is kept and reused.
type profileFit struct {
	vel, curv []float64 // results

	// Cached LDL' factor of the velocity normal matrix for m displacements and coefficient c.
	m            int
	c            float64
	invD, l1, l2 []float64
	diag, up     []float64 // scratch
}

// grow makes the workspace hold n displacements.
func (f *profileFit) grow(n int) {
	if cap(f.vel) >= n {
		return
	}
	buf := make([]float64, 7*n)
	f.vel, f.curv = buf[0:n:n], buf[n:2*n:2*n]
	f.invD, f.l1, f.l2 = buf[2*n:3*n:3*n], buf[3*n:4*n:4*n], buf[4*n:5*n:5*n]
	f.diag, f.up = buf[5*n:6*n:6*n], buf[6*n:7*n:7*n]
	f.m = 0
}

// fit estimates the velocity and curvature profiles of poses sampled every dt seconds, as nuPlan's
// get_velocity_curvature_profiles_with_derivatives_from_poses (tracker_utils.py) does. With M = len(poses)-1
// displacements it leaves M velocities in f.vel and M curvatures in f.curv (the values at the first M pose
// times). len(poses) must be >= 2 and the workspace must hold M.
//
// nuPlan solves two regularised least squares problems in the variables (v0, a_0..a_{M-2}) and
// (kappa0, kappaRate_0..kappaRate_{M-2}) with a pseudo-inverse of the dense normal matrix. The maps from those
// variables to the profiles (v_k = v0 + dt*sum_{j<k} a_j, likewise for curvature) are invertible, so the same
// minimiser solves the problems written in the profile values themselves, where the normal matrices are banded:
//
//	velocity:  sum_k |d_k - dt*v_k*u_k|^2 + jerk * sum_j ((v_{j+2} - 2v_{j+1} + v_j)/dt)^2
//	           -> (I + jerk/dt^4 * D2'D2) v = (u_k . d_k)/dt            (pentadiagonal, positive definite)
//	curvature: sum_k (dh_k - dt*v_k*kappa_k)^2 + rate * sum_k ((kappa_k - kappa_{k-1})/dt)^2 + eps*kappa_0^2
//	           -> (diag(dt^2 v_k^2) + eps*e0e0' + rate/dt^2 * D1'D1) kappa = dt*v_k*dh_k   (tridiagonal)
//
// where d_k is the k-th xy displacement, u_k the unit vector of the k-th pose's heading and dh_k the wrapped
// heading displacement. (nuPlan's "jerk" penalty is on differences of consecutive accelerations,
// (v_{j+2} - 2v_{j+1} + v_j)/dt, and likewise for curvature rates.) Both are solved in O(M) by LDL'.
func (f *profileFit) fit(poses []geom.Pose, dt, jerkPenalty, curvatureRatePenalty float64) {
	m := len(poses) - 1
	vel, curv := f.vel[:m], f.curv[:m]
	dt2 := dt * dt

	// Velocity.
	for k := 0; k < m; k++ {
		sin, cos := math.Sincos(poses[k].Heading)
		dx := poses[k+1].X - poses[k].X
		dy := poses[k+1].Y - poses[k].Y
		vel[k] = (cos*dx + sin*dy) / dt
	}
	c := jerkPenalty / (dt2 * dt2)
	if f.m != m || f.c != c {
		f.factorVelocity(m, c)
	}
	solvePentaFactored(f.invD[:m], f.l1[:m], f.l2[:m], vel)

	// Curvature, from the fitted velocities.
	c = curvatureRatePenalty / dt2
	diag, up := f.diag[:m], f.up[:m]
	for k := 0; k < m; k++ {
		v := vel[k]
		curv[k] = dt * v * principalValue(poses[k+1].Heading-poses[k].Heading)
		diag[k] = dt2*v*v + 2*c
		up[k] = -c
	}
	diag[0] += initialCurvaturePenalty - c
	diag[m-1] -= c
	solveTridiagonalSPD(diag, up, curv)
}

// factorVelocity factors I + c*D2'D2 of size m (D2 the second-difference operator) into f's cache.
func (f *profileFit) factorVelocity(m int, c float64) {
	a0, a1, a2 := f.invD[:m], f.l1[:m], f.l2[:m]
	for k := range a0 {
		a0[k], a1[k], a2[k] = 1, 0, 0
	}
	for j := 0; j+2 < m; j++ { // the outer product of the row (1, -2, 1) at j, j+1, j+2
		a0[j] += c
		a0[j+1] += 4 * c
		a0[j+2] += c
		a1[j] -= 2 * c
		a1[j+1] -= 2 * c
		a2[j] += c
	}
	factorPentaSPD(a0, a1, a2)
	f.m, f.c = m, c
}

// factorPentaSPD factors, in place, a symmetric positive definite matrix S with bandwidth 2 given by its
// diagonal a0[i] = S[i][i] and super-diagonals a1[i] = S[i][i+1], a2[i] = S[i][i+2] (entries beyond the matrix
// ignored) as S = L D L': afterwards a0 holds 1/D and a1, a2 the sub-diagonals of L (a1[i] = L[i+1][i],
// a2[i] = L[i+2][i]). All slices have the same length.
func factorPentaSPD(a0, a1, a2 []float64) {
	n := len(a0)
	if n == 0 {
		return
	}
	a1, a2 = a1[:n], a2[:n]
	// Row i of S = L D L' gives, with g = S[i][i-2] and s = S[i][i-1] - g*L[i-1][i-2]:
	//   L[i][i-2] = g/D[i-2], L[i][i-1] = s/D[i-1], D[i] = S[i][i] - L[i][i-2]*g - L[i][i-1]*s.
	a0[0] = 1 / a0[0]
	if n > 1 {
		s := a1[0]
		l1 := s * a0[0]
		a1[0] = l1
		a0[1] = 1 / (a0[1] - l1*s)
	}
	for i := 2; i < n; i++ {
		g := a2[i-2]
		l2 := g * a0[i-2]
		a2[i-2] = l2
		s := a1[i-1] - g*a1[i-2]
		l1 := s * a0[i-1]
		a1[i-1] = l1
		a0[i] = 1 / (a0[i] - l2*g - l1*s)
	}
}

// solvePentaFactored solves S x = b in place given S's factor from factorPentaSPD.
func solvePentaFactored(invD, l1, l2, b []float64) {
	n := len(b)
	if n == 0 {
		return
	}
	invD, l1, l2 = invD[:n], l1[:n], l2[:n]
	// Forward substitution with unit L, keeping the two previous values in registers.
	var z1, z2 float64 // z[i-1], z[i-2]
	for i := 0; i < n; i++ {
		z := b[i]
		if i >= 1 {
			z -= l1[i-1] * z1
		}
		if i >= 2 {
			z -= l2[i-2] * z2
		}
		b[i] = z
		z2, z1 = z1, z
	}
	// Scale by 1/D and back substitute with L'.
	var x1, x2 float64 // x[i+1], x[i+2]
	for i := n - 1; i >= 0; i-- {
		x := b[i] * invD[i]
		if i+1 < n {
			x -= l1[i] * x1
		}
		if i+2 < n {
			x -= l2[i] * x2
		}
		b[i] = x
		x2, x1 = x1, x
	}
}

// solveTridiagonalSPD solves S x = b in place (x overwrites b) for a symmetric positive definite tridiagonal S
// with diagonal d and super-diagonal u (u[n-1] ignored), by LDL'; d and u are overwritten.
func solveTridiagonalSPD(d, u, b []float64) {
	n := len(d)
	if n == 0 {
		return
	}
	u, b = u[:n], b[:n]
	// Factor and forward-substitute in one pass: l = u[i-1]/D[i-1], D[i] = d[i] - l*u[i-1].
	inv := 1 / d[0]
	d[0] = inv
	z := b[0]
	for i := 1; i < n; i++ {
		l := u[i-1] * inv
		inv = 1 / (d[i] - l*u[i-1])
		u[i-1], d[i] = l, inv
		z = b[i] - l*z
		b[i] = z
	}
	x := b[n-1] * d[n-1]
	b[n-1] = x
	for i := n - 2; i >= 0; i-- {
		x = b[i]*d[i] - u[i]*x
		b[i] = x
	}
}
