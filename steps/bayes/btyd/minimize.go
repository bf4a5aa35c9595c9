package btyd

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Convergence describes how a maximum-likelihood fit ended.
type Convergence struct {
	// Iterations is the number of BFGS major iterations.
	Iterations int
	// FuncEvals is the number of objective evaluations (each computes the
	// log-likelihood and its gradient in one pass over the data).
	FuncEvals int
	// GradNorm is the infinity norm of the gradient of the objective (the
	// mean penalised negative log-likelihood per customer, with respect to the
	// log-parameters) at the returned parameters.
	GradNorm float64
	// Status is gonum's optimize status, e.g. "GradientThreshold".
	Status string
}

// ConvergenceError is returned when a fit stops without reaching a
// stationary point. It carries the last parameters so callers can inspect
// them or restart from them.
type ConvergenceError struct {
	// Model names the model being fitted.
	Model string
	// Params are the last natural (not log) parameters, in the order of the
	// model's parameter struct.
	Params []float64
	// Conv describes where the optimiser stopped.
	Conv Convergence
	// Hint suggests what to try next.
	Hint string
}

// Error implements error.
func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("fit %s: no convergence after %d iterations (status %s, gradient norm %.3g) at parameters %.6g: %s",
		e.Model, e.Conv.Iterations, e.Conv.Status, e.Conv.GradNorm, e.Params, e.Hint)
}

const (
	defaultGradTol  = 1e-8
	acceptGradTol   = 1e-5 // a stalled line search this close to zero gradient still counts as converged
	defaultMaxIter  = 1000
	maxLogParam     = 60 // exp(60) ≈ 1e26: beyond this the objective reports +Inf
	hessianRelStep  = 1e-5
	chunkRows       = 8192
	defaultConvHint = "try a small penalizer (e.g. 0.001), other initial parameters, or a different time unit"
)

// objective evaluates f(theta) and writes its gradient into grad.
type objective func(theta, grad []float64) float64

// minimize runs gonum's BFGS on obj from theta0. It returns the final point,
// its convergence report and whether it counts as converged.
func minimize(obj objective, theta0 []float64, maxIter int, gradTol float64) ([]float64, Convergence, bool) {
	if maxIter <= 0 {
		maxIter = defaultMaxIter
	}
	if gradTol <= 0 {
		gradTol = defaultGradTol
	}
	dim := len(theta0)
	var (
		lastX    []float64
		lastF    float64
		lastGrad = make([]float64, dim)
		evals    int
	)
	eval := func(x []float64) {
		if lastX != nil && slices.Equal(lastX, x) {
			return
		}
		evals++
		lastF = obj(x, lastGrad)
		lastX = append(lastX[:0], x...)
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { eval(x); return lastF },
		Grad: func(g, x []float64) { eval(x); copy(g, lastGrad) },
	}
	settings := &optimize.Settings{
		GradientThreshold: gradTol,
		MajorIterations:   maxIter,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 20},
	}
	// Minimize's error only restates a failure status; the gradient norm at
	// the returned point decides below.
	res, _ := optimize.Minimize(prob, theta0, settings, &optimize.BFGS{})
	x := theta0
	status := optimize.NotTerminated
	iters := 0
	if res != nil {
		x = res.X
		status = res.Status
		iters = res.Stats.MajorIterations
	}
	g := make([]float64, dim)
	obj(x, g)
	conv := Convergence{Iterations: iters, FuncEvals: evals, GradNorm: floats.Norm(g, math.Inf(1)), Status: status.String()}
	// A line search that stalls with a tiny gradient has reached the optimum
	// to working precision; an iteration limit has not.
	ok := conv.GradNorm <= gradTol ||
		(conv.GradNorm <= acceptGradTol && status != optimize.IterationLimit && status != optimize.NotTerminated)
	return x, conv, ok
}

// expParams maps log-parameters to natural ones; it reports false when any
// is outside [-maxLogParam, maxLogParam] (or NaN).
func expParams(theta, p []float64) bool {
	for i, v := range theta {
		if !(math.Abs(v) <= maxLogParam) {
			return false
		}
		p[i] = math.Exp(v)
	}
	return true
}

// covariance inverts the Hessian of a total negative log-likelihood in the
// natural parameters, computed by central differences of its analytic
// gradient grad(p, g). It returns nil when the Hessian is not positive
// definite.
func covariance(p []float64, grad func(p, g []float64)) *mat.SymDense {
	k := len(p)
	h := mat.NewDense(k, k, nil)
	pp := make([]float64, k)
	gp := make([]float64, k)
	gm := make([]float64, k)
	for i := range k {
		step := hessianRelStep * p[i]
		copy(pp, p)
		pp[i] = p[i] + step
		grad(pp, gp)
		pp[i] = p[i] - step
		grad(pp, gm)
		for j := range k {
			h.Set(i, j, (gp[j]-gm[j])/(2*step))
		}
	}
	sym := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			sym.SetSym(i, j, (h.At(i, j)+h.At(j, i))/2)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(sym) {
		return nil
	}
	cov := mat.NewSymDense(k, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil
	}
	return cov
}

// stdErrs returns the square roots of the diagonal of cov, or NaNs when cov
// is nil.
func stdErrs(cov *mat.SymDense, k int) []float64 {
	se := make([]float64, k)
	for i := range se {
		se[i] = math.NaN()
		if cov != nil {
			if v := cov.At(i, i); v >= 0 {
				se[i] = math.Sqrt(v)
			}
		}
	}
	return se
}

// forChunks calls f on the fixed chunks [c·chunkRows, (c+1)·chunkRows) of
// [0, n), on up to GOMAXPROCS goroutines.
func forChunks(n int, f func(c, lo, hi int)) {
	nc := (n + chunkRows - 1) / chunkRows
	if nc <= 1 {
		if n > 0 {
			f(0, 0, n)
		}
		return
	}
	workers := min(runtime.GOMAXPROCS(0), nc)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1)) - 1
				if c >= nc {
					return
				}
				lo := c * chunkRows
				f(c, lo, min(lo+chunkRows, n))
			}
		})
	}
	wg.Wait()
}

// sumChunks evaluates f over the fixed chunks of forChunks, each chunk
// writing dim partial sums into its own accumulator, and adds the
// accumulators into out in chunk order. The result is therefore the same
// whatever the number of workers.
func sumChunks(n, dim int, f func(lo, hi int, acc []float64), out []float64) {
	clear(out)
	nc := (n + chunkRows - 1) / chunkRows
	if nc <= 1 {
		if n > 0 {
			f(0, n, out)
		}
		return
	}
	part := make([]float64, nc*dim)
	forChunks(n, func(c, lo, hi int) { f(lo, hi, part[c*dim:(c+1)*dim]) })
	for c := range nc {
		for k := range dim {
			out[k] += part[c*dim+k]
		}
	}
}
