package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/aftercare/aftercare/steps/cluster/vbgmm"
	"github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "cluster.bayesian_gmm",
		Summary: "Variational Bayesian Gaussian mixture: finds the natural number of groups up to max_components.",
		Description: `Fits a variational Bayesian Gaussian mixture (as scikit-learn's
BayesianGaussianMixture) with a Dirichlet-process (default) or Dirichlet
weight prior and full, tied, diagonal or spherical covariances. Components
the data does not need get weights near zero; effective_components counts
those with weight above weight_threshold. Each row gets its most probable
component and that probability. Seeded n_init restarts keep the best lower
bound; the lower bound of every iteration is in the metrics. Features must
be numeric without nulls or NaN; scale them first (features.scale) and pass
its model as scaler to get profiles in original units.`,
		Outputs: []workflow.Port{
			{Name: ""},
			{Name: "profiles", Doc: "One row per component: cluster, size, share and each feature's mean (in original units with a scaler)."},
		},
		New: func() workflow.Step {
			return &BayesianGMM{MaxComponents: 10, Covariance: "full", WeightPrior: "dirichlet_process", MaxIter: 100, Tol: 1e-3, NInit: 1, Init: "kmeans", RegCovar: 1e-6}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- {id: scaled, type: features.scale, input: rfm, columns: [recency_days, frequency, monetary]}\n- id: groups\n  type: cluster.bayesian_gmm\n  input: scaled\n  features: [recency_days, frequency, monetary]\n  max_components: 8\n  scaler: scaled.model\n  seed: 7",
		},
	})
}

// BayesianGMM is the cluster.bayesian_gmm step.
type BayesianGMM struct {
	Input         workflow.Ref      `yaml:"input" required:"true" doc:"Step whose rows are clustered."`
	Features      []workflow.Column `yaml:"features" required:"true" minItems:"1" doc:"Numeric feature columns."`
	MaxComponents int               `yaml:"max_components" min:"1" doc:"Upper bound on the number of components."`
	Covariance    string            `yaml:"covariance" enum:"full|tied|diag|spherical" doc:"Form of each component's covariance."`
	WeightPrior   string            `yaml:"weight_prior" enum:"dirichlet_process|dirichlet_distribution" doc:"Prior on the mixture weights."`
	Concentration float64           `yaml:"weight_concentration" min:"0" doc:"Dirichlet concentration of each component; lower values switch off more components (default 1/max_components)."`
	MaxIter       int               `yaml:"max_iter" min:"1" doc:"Iterations per initialisation."`
	Tol           float64           `yaml:"tol" min:"0" doc:"Stop when the lower bound changes by less than this."`
	NInit         int               `yaml:"n_init" min:"1" doc:"Seeded restarts; the best lower bound wins."`
	Init          string            `yaml:"init" enum:"kmeans|random" doc:"How responsibilities are initialised."`
	RegCovar      float64           `yaml:"reg_covar" min:"0" doc:"Added to the diagonal of every covariance."`
	Threshold     float64           `yaml:"weight_threshold" min:"0" max:"1" doc:"Weight a component must exceed to count as effective (default 0.01)."`
	Seed          uint64            `yaml:"seed" doc:"Random seed."`
	Scaler        *workflow.Ref     `yaml:"scaler" doc:"The model output of the features.scale step that scaled the features, for profiles in original units."`
	Model         string            `yaml:"model" doc:"Save the fitted mixture as JSON to this path (relative to the output folder)."`
	names         []string
}

// Check validates the features and declares the outputs.
func (s *BayesianGMM) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	s.names = workflow.Names(s.Features)
	if s.Model != "" {
		c.Writes(s.Model)
	}
	if s.Scaler != nil {
		if sc := c.Schema(*s.Scaler); sc != nil && !sc.Equal(features.ScalerModelSchema) {
			c.ErrorAt(s.Scaler.Pos, "scaler", "%s is not the model output of a features.scale step (use step.model)", s.Scaler)
		}
	}
	if in == nil {
		return
	}
	checkFeatures(c, "features", in, s.Features)
	for _, name := range []string{"cluster", "probability"} {
		if len(in.FieldIndices(name)) > 0 {
			c.Errorf("input", "input already has a %q column", name)
		}
	}
	fields := append(append([]arrow.Field(nil), in.Fields()...),
		arrow.Field{Name: "cluster", Type: workflow.Int64},
		arrow.Field{Name: "probability", Type: workflow.Float64})
	c.SetOutput("", arrow.NewSchema(fields, nil))
	c.SetOutput("profiles", profileSchema(s.names))
}

// Run fits the mixture.
func (s *BayesianGMM) Run(ctx context.Context, r *workflow.RunContext) error {
	m, err := readMatrix(ctx, r.Input(s.Input), s.names)
	if err != nil {
		return err
	}
	defer m.table.Release()
	var scaler *features.ScalerModel
	if s.Scaler != nil {
		if scaler, err = features.ScalerModelFromDataset(ctx, r.Input(*s.Scaler)); err != nil {
			return fmt.Errorf("read scaler: %w", err)
		}
	}
	if m.n < 2 {
		return fmt.Errorf("a mixture needs at least 2 rows, got %d", m.n)
	}
	if m.n < s.MaxComponents {
		return fmt.Errorf("max_components %d is more than the %d rows", s.MaxComponents, m.n)
	}
	cfg := vbgmm.DefaultConfig()
	cfg.MaxComponents = s.MaxComponents
	cfg.CovarianceType = vbgmm.CovarianceType(s.Covariance)
	cfg.WeightConcentrationPriorType = vbgmm.WeightPriorType(s.WeightPrior)
	cfg.WeightConcentrationPrior = s.Concentration
	cfg.MaxIter, cfg.Tol, cfg.NInit, cfg.RegCovar, cfg.Seed = s.MaxIter, s.Tol, s.NInit, s.RegCovar, s.Seed
	cfg.InitParams = vbgmm.InitMethod(s.Init)
	cfg.WeightThreshold = s.Threshold
	res, err := vbgmm.Fit(m.x, m.d, cfg)
	if err != nil {
		return err
	}
	labels := make([]int32, m.n)
	lab64 := make([]int64, m.n)
	for i, l := range res.Labels {
		labels[i], lab64[i] = int32(l), int64(l)
	}
	mem := r.Mem()
	main, err := m.withColumns(mem,
		[]arrow.Field{{Name: "cluster", Type: workflow.Int64}, {Name: "probability", Type: workflow.Float64}},
		[][]float64{res.Probabilities}, [][]int64{lab64})
	if err != nil {
		return err
	}
	prof, err := profiles(mem, m, labels, res.Model.Components, scaler)
	if err != nil {
		main.Release()
		return err
	}
	if s.Model != "" {
		if err := s.save(r, res.Model); err != nil {
			main.Release()
			prof.Release()
			return err
		}
	}
	r.SetOutput("", main)
	r.SetOutput("profiles", prof)
	r.Metric("effective_components", res.EffectiveComponents)
	r.Metric("lower_bound", res.LowerBound)
	r.Metric("lower_bounds", res.LowerBounds)
	r.Metric("iterations", res.Iterations)
	r.Metric("converged", res.Converged)
	r.Metric("weights", res.Model.Weights)
	if !res.Converged {
		r.Logger().Warn("mixture did not converge: raise max_iter or tol", "iterations", res.Iterations)
	}
	return nil
}

// bgmmFile is the saved form of a fitted mixture.
type bgmmFile struct {
	Model    string       `json:"aftercare_model"`
	Version  int          `json:"version"`
	Features []string     `json:"features"`
	Seed     uint64       `json:"seed"`
	Mixture  *vbgmm.Model `json:"mixture"`
}

func (s *BayesianGMM) save(r *workflow.RunContext, m *vbgmm.Model) error {
	f, err := r.CreateOutput(s.Model)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bgmmFile{Model: "bayesian_gmm", Version: 1, Features: s.names, Seed: s.Seed, Mixture: m}); err != nil {
		f.Close()
		return fmt.Errorf("save model: %w", err)
	}
	return f.Close()
}
