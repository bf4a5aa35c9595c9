package bayes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/aftercare/aftercare/steps/bayes/btyd"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "bayes.gamma_gamma",
		Summary: "Fit the Gamma-Gamma spend model; expected order value and customer lifetime value.",
		Description: `Fits the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and
CLV"; Hardie's note 025) by maximum likelihood to the customers with repeat
purchases (frequency > 0) and their mean repeat order value
monetary_value, as features.btyd_summary computes it. The model assumes
spend does not depend on frequency: their correlation over the fitted
customers is reported as the metric corr_frequency_value (close to 0 is
good; lifetimes' CDNOW example has 0.11).

The output is the input with expected_value added: the conditional
expected average order value, a weighted average of the customer's
monetary_value and the population mean p·v/(q-1) (the population mean
for frequency 0). With bgnbd: <bg/nbd step>.params it also adds clv, the
discounted expected value of the customer's purchases over periods
periods of period_length time units each (lifetimes'
customer_lifetime_value; a month by default: 30 days or 4.345 weeks with
time_unit), discounted at discount_rate per period. monetary_value may
be null where frequency is 0.

The params port has one row: p, q, v, their standard errors,
log_likelihood and mean_value. Metrics: p, q, v, log_likelihood,
corr_frequency_value, customers (fitted), iterations, converged.`,
		Outputs: []workflow.Port{
			{Name: ""},
			{Name: "params", Doc: "One row: p, q, v, p_se, q_se, v_se, log_likelihood, mean_value."},
		},
		New: func() workflow.Step {
			return &GammaGamma{
				Frequency:     workflow.Column{Name: "frequency"},
				MonetaryValue: workflow.Column{Name: "monetary_value"},
				Recency:       workflow.Column{Name: "recency"},
				T:             workflow.Column{Name: "T"},
				Periods:       12,
				DiscountRate:  0.01,
			}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: summary, type: features.btyd_summary, input: orders, customer: customer_id, timestamp: ordered_at, amount: amount, calibration_end: \"${params.as_of}\", time_unit: weeks}\n- {id: bgnbd, type: bayes.bgnbd, input: summary, horizon: 52}\n- id: spend\n  type: bayes.gamma_gamma\n  input: bgnbd\n  bgnbd: bgnbd.params\n  time_unit: weeks\n  periods: 12\n  discount_rate: 0.01",
		},
	})
}

// GammaGamma is the bayes.gamma_gamma step.
type GammaGamma struct {
	Input         workflow.Ref    `yaml:"input" required:"true" doc:"Step whose rows are one customer each (a bayes.bgnbd output or a features.btyd_summary)."`
	Frequency     workflow.Column `yaml:"frequency" doc:"Repeat purchases column (default frequency)."`
	MonetaryValue workflow.Column `yaml:"monetary_value" doc:"Mean repeat order value column (default monetary_value)."`
	Recency       workflow.Column `yaml:"recency" doc:"Recency column, used for clv (default recency)."`
	T             workflow.Column `yaml:"T" doc:"Age column, used for clv (default T)."`
	Penalizer     float64         `yaml:"penalizer" min:"0" doc:"L2 penalty coefficient on p, q, v, as lifetimes' penalizer_coef (default 0)."`
	MaxIterations int             `yaml:"max_iterations" min:"1" doc:"Maximum optimiser iterations (default 1000)."`
	BGNBD         workflow.Ref    `yaml:"bgnbd" doc:"params port of a bayes.bgnbd step (like bgnbd.params); adds the clv column."`
	Periods       int             `yaml:"periods" min:"1" doc:"Number of discounting periods summed in clv (default 12)."`
	PeriodLength  float64         `yaml:"period_length" min:"0" doc:"Length of one period in the model's time unit; default a month from time_unit."`
	TimeUnit      string          `yaml:"time_unit" enum:"days|weeks" doc:"Time unit of the BG/NBD fit; sets period_length to a month (30 days or 4.345 weeks) when that is not given."`
	DiscountRate  float64         `yaml:"discount_rate" min:"0" doc:"Discount rate per period (default 0.01, about 12.7% a year with monthly periods)."`

	out, params *arrow.Schema
	clv         btyd.CLVConfig
}

// Check validates the columns and the CLV settings.
func (s *GammaGamma) Check(c *workflow.CheckContext) {
	s.params = floatSchema([]string{"p", "q", "v", "p_se", "q_se", "v_se", "log_likelihood", "mean_value"})
	c.SetOutput("params", s.params)
	withCLV := !s.BGNBD.IsZero()
	if withCLV {
		s.clv = btyd.CLVConfig{Periods: s.Periods, PeriodLength: s.PeriodLength, DiscountRate: s.DiscountRate}
		if s.clv.PeriodLength == 0 {
			switch s.TimeUnit {
			case "days":
				s.clv.PeriodLength = 30
			case "weeks":
				s.clv.PeriodLength = 4.345
			default:
				c.Errorf("bgnbd", "clv needs period_length (in the model's time unit) or time_unit (days or weeks)")
			}
		}
		if ps := c.Schema(s.BGNBD); ps != nil {
			var missing []string
			for _, n := range []string{"r", "alpha", "a", "b"} {
				i := ps.FieldIndices(n)
				if len(i) == 0 || !workflow.IsNumeric(ps.Field(i[0]).Type) {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				c.Errorf("bgnbd", "%s has no numeric column %s; point bgnbd at a bayes.bgnbd step's params port (like bgnbd.params)", s.BGNBD, strings.Join(missing, ", "))
			}
		}
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	checkNumeric(c, in, "frequency", s.Frequency)
	checkNumeric(c, in, "monetary_value", s.MonetaryValue)
	names := []string{"expected_value"}
	if withCLV {
		checkNumeric(c, in, "recency", s.Recency)
		checkNumeric(c, in, "T", s.T)
		names = append(names, "clv")
	}
	s.out = appendSchema(c, in, names...)
	c.SetOutput("", s.out)
}

// Run fits the spend model and scores every customer.
func (s *GammaGamma) Run(ctx context.Context, r *workflow.RunContext) error {
	var bg btyd.BGParams
	withCLV := !s.BGNBD.IsZero()
	if withCLV {
		var err error
		if bg, err = readBGParams(ctx, r.Input(s.BGNBD)); err != nil {
			return fmt.Errorf("read %s: %w", s.BGNBD, err)
		}
	}
	t, err := workflow.Collect(ctx, r.Input(s.Input))
	if err != nil {
		return err
	}
	defer t.Release()
	x, err := floatColumn(t, s.Frequency.Name, false)
	if err != nil {
		return err
	}
	if len(x) == 0 {
		return fmt.Errorf("input has no rows")
	}
	z, err := floatColumn(t, s.MonetaryValue.Name, true)
	if err != nil {
		return err
	}
	neg := rowList{what: "negative " + s.Frequency.Name}
	bad := rowList{what: fmt.Sprintf("%s > 0 and a null, zero or negative %s", s.Frequency.Name, s.MonetaryValue.Name)}
	for i := range x {
		switch {
		case x[i] < 0:
			neg.add(i)
		case x[i] > 0 && !(z[i] > 0):
			bad.add(i)
		}
	}
	if err := joinErrs(neg.err(), bad.err()); err != nil {
		return fmt.Errorf("check spend: %w", err)
	}
	fit, err := btyd.FitGG(x, z, nil, btyd.GGOptions{Penalizer: s.Penalizer, MaxIterations: s.MaxIterations})
	if err != nil {
		var ce *btyd.ConvergenceError
		if errors.As(err, &ce) && len(ce.Params) == 3 {
			for i, name := range []string{"p", "q", "v"} {
				r.Metric(name, ce.Params[i])
			}
			r.Metric("iterations", ce.Conv.Iterations)
			r.Metric("converged", false)
		}
		return fmt.Errorf("fit gamma-gamma: %w", err)
	}
	g := fit.Params
	n := len(x)
	ev := make([]float64, n)
	for i := range n {
		zi := z[i]
		if x[i] == 0 {
			zi = 0
		}
		ev[i] = g.ConditionalExpectedSpend(x[i], zi)
	}
	cols := [][]float64{ev}
	if withCLV {
		tx, T, err := clvColumns(t, s.Recency.Name, s.T.Name)
		if err != nil {
			return err
		}
		clv := make([]float64, n)
		for i := range n {
			clv[i] = btyd.CLV(bg, x[i], tx[i], T[i], ev[i], s.clv)
		}
		cols = append(cols, clv)
	}
	row := []float64{g.P, g.Q, g.V, fit.StdErr.P, fit.StdErr.Q, fit.StdErr.V, fit.LogLik, g.MeanSpend()}
	for i, f := range s.params.Fields() {
		r.Metric(f.Name, metricValue(row[i]))
	}
	r.Metric("corr_frequency_value", metricValue(fit.Corr))
	r.Metric("customers", int(fit.Customers))
	r.Metric("iterations", fit.Conv.Iterations)
	r.Metric("converged", true)
	if math.Abs(fit.Corr) > 0.3 {
		r.Logger().Warn("frequency and monetary_value are correlated; the Gamma-Gamma model assumes they are independent, so expected_value and clv may be biased", "corr", fit.Corr)
	}
	if g.Q <= 1 {
		r.Logger().Warn("gamma-gamma q <= 1: the population mean spend is infinite, so expected_value of customers without repeat purchases is +Inf", "q", g.Q)
	}
	mem := r.Mem()
	r.SetOutput("params", oneRow(mem, s.params, row))
	r.SetOutput("", withColumns(mem, t, s.out, cols))
	return nil
}

// clvColumns reads and checks the recency and T columns used by clv.
func clvColumns(t *workflow.Table, rec, age string) (tx, T []float64, err error) {
	if tx, err = floatColumn(t, rec, false); err != nil {
		return nil, nil, err
	}
	if T, err = floatColumn(t, age, false); err != nil {
		return nil, nil, err
	}
	bad := rowList{what: fmt.Sprintf("negative %s or %s, or %s > %s", rec, age, rec, age)}
	for i := range tx {
		if tx[i] < 0 || T[i] < 0 || tx[i] > T[i] {
			bad.add(i)
		}
	}
	if err := bad.err(); err != nil {
		return nil, nil, fmt.Errorf("check clv inputs: %w", err)
	}
	return tx, T, nil
}

// readBGParams reads r, alpha, a, b from the first row of a bayes.bgnbd
// params table.
func readBGParams(ctx context.Context, d workflow.Dataset) (btyd.BGParams, error) {
	t, err := workflow.Collect(ctx, d)
	if err != nil {
		return btyd.BGParams{}, err
	}
	defer t.Release()
	if t.NumRows() != 1 {
		return btyd.BGParams{}, fmt.Errorf("bg/nbd params table has %d rows, want 1", t.NumRows())
	}
	var v [4]float64
	for i, n := range []string{"r", "alpha", "a", "b"} {
		col, err := floatColumn(t, n, true)
		if err != nil {
			return btyd.BGParams{}, err
		}
		v[i] = col[0]
	}
	p := btyd.BGParams{R: v[0], Alpha: v[1], A: v[2], B: v[3]}
	if err := p.Validate(); err != nil || math.IsNaN(v[0]) {
		return p, fmt.Errorf("bg/nbd params %v: %w", v, btyd.ErrInvalidParams)
	}
	return p, nil
}
