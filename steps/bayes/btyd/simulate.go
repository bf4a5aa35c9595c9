package btyd

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// SimConfig configures [Simulate].
type SimConfig struct {
	// Customers is the number of customers to draw.
	Customers int
	// BG are the purchase-process parameters.
	BG BGParams
	// GG, when not nil, draws a value for every transaction from the
	// Gamma-Gamma spend model.
	GG *GGParams
	// Ages, when not nil, gives each customer's observation length T (time
	// from the first purchase to the end of observation, model units); it
	// must have Customers entries. When nil, ages are uniform on (0, MaxAge].
	Ages []float64
	// MaxAge is the upper bound of the uniform ages used when Ages is nil.
	MaxAge float64
	// Seed seeds the PCG generator; the same seed gives the same draws.
	Seed uint64
}

// Sim is a simulated customer base.
type Sim struct {
	// Log holds every customer's purchases, times in model units since the
	// customer's first purchase (which is at time 0), values when
	// SimConfig.GG was set.
	Log EventLog
	// T is each customer's observation length.
	T []float64
	// Lambda, P and Nu are the latent purchase rate, dropout probability and
	// spend rate drawn for each customer (Nu is nil without GG).
	Lambda, P, Nu []float64
}

// Simulate draws customers from the BG/NBD process (and optionally the
// Gamma-Gamma spend model), as lifetimes' beta_geometric_nbd_model: each
// customer draws lambda ~ Gamma(r, rate alpha) and p ~ Beta(a, b), buys at
// time 0, then at the events of a Poisson process of rate lambda until T,
// becoming inactive with probability p after each repeat purchase. With GG,
// the customer draws nu ~ Gamma(q, rate v) and each transaction (the first
// one included) has value ~ Gamma(p, rate nu).
func Simulate(cfg SimConfig) (*Sim, error) {
	const op = "simulate btyd"
	if cfg.Customers < 1 {
		return nil, fmt.Errorf("%s: %d customers: %w", op, cfg.Customers, ErrInvalidInput)
	}
	if err := cfg.BG.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if cfg.GG != nil {
		if err := cfg.GG.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if cfg.Ages != nil {
		if len(cfg.Ages) != cfg.Customers {
			return nil, fmt.Errorf("%s: %d ages for %d customers: %w", op, len(cfg.Ages), cfg.Customers, ErrInvalidInput)
		}
		bad := &rowCheck{what: "NaN, infinite or negative age", noun: "customer"}
		for i, a := range cfg.Ages {
			if !isFinite(a) || a < 0 {
				bad.hit(i)
			}
		}
		if err := joinChecks(op, bad); err != nil {
			return nil, err
		}
	} else if !(cfg.MaxAge > 0) || math.IsInf(cfg.MaxAge, 1) {
		return nil, fmt.Errorf("%s: max age %g must be finite and positive when no ages are given: %w", op, cfg.MaxAge, ErrInvalidInput)
	}

	src := rand.NewPCG(cfg.Seed, 0x6274796473696d75) // second word: "btydsimu"
	rng := rand.New(src)
	n := cfg.Customers
	lam := distuv.Gamma{Alpha: cfg.BG.R, Beta: cfg.BG.Alpha, Src: src}
	drop := distuv.Beta{Alpha: cfg.BG.A, Beta: cfg.BG.B, Src: src}
	var nuDist, val distuv.Gamma
	s := &Sim{T: make([]float64, n), Lambda: make([]float64, n), P: make([]float64, n)}
	s.Log.Start = make([]int, 1, n+1)
	if cfg.GG != nil {
		nuDist = distuv.Gamma{Alpha: cfg.GG.Q, Beta: cfg.GG.V, Src: src}
		val = distuv.Gamma{Alpha: cfg.GG.P, Src: src}
		s.Nu = make([]float64, n)
		s.Log.Values = make([]float64, 0, n)
	}
	s.Log.Times = make([]float64, 0, n)
	for i := range n {
		T := cfg.MaxAge * (1 - rng.Float64()) // uniform on (0, MaxAge]
		if cfg.Ages != nil {
			T = cfg.Ages[i]
		}
		l, p := lam.Rand(), drop.Rand()
		s.T[i], s.Lambda[i], s.P[i] = T, l, p
		if cfg.GG != nil {
			s.Nu[i] = nuDist.Rand()
			val.Beta = s.Nu[i]
		}
		t := 0.0
		for {
			s.Log.Times = append(s.Log.Times, t)
			if cfg.GG != nil {
				s.Log.Values = append(s.Log.Values, val.Rand())
			}
			if t > 0 && rng.Float64() < p {
				break // dropped out after this repeat purchase
			}
			t += rng.ExpFloat64() / l
			if !(t <= T) {
				break
			}
		}
		s.Log.Start = append(s.Log.Start, len(s.Log.Times))
	}
	return s, nil
}

// Summary returns the exact (continuous-time) BG/NBD summary of the
// simulated customers: x is the number of repeat purchases, tx the time of
// the last one, T the observation length and zbar the mean repeat value
// (nil without values).
func (s *Sim) Summary() Summary {
	n := len(s.T)
	out := Summary{X: make([]float64, n), Tx: make([]float64, n), T: make([]float64, n), Customer: make([]int, n)}
	if s.Log.Values != nil {
		out.Zbar = make([]float64, n)
	}
	for i := range n {
		lo, hi := s.Log.Start[i], s.Log.Start[i+1]
		out.X[i] = float64(hi - lo - 1)
		out.Tx[i] = s.Log.Times[hi-1]
		out.T[i] = s.T[i]
		out.Customer[i] = i
		if out.Zbar != nil && hi-lo > 1 {
			var sum float64
			for _, v := range s.Log.Values[lo+1 : hi] {
				sum += v
			}
			out.Zbar[i] = sum / float64(hi-lo-1)
		}
	}
	return out
}
