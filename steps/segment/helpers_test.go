package segment_test

import (
	"github.com/aftercare/aftercare/steps/internal/steptest"
	_ "github.com/aftercare/aftercare/steps/segment"
)

// The shared step-testing harness, under the short names this package's
// tests use.
type table = steptest.Table

var (
	putData    = steptest.PutData
	buildBatch = steptest.BuildBatch
	mustTime   = steptest.MustTime
	goVal      = steptest.GoVal
	run        = steptest.Run
	tryRun     = steptest.TryRun
	tryRunIn   = steptest.TryRunIn
	plan       = steptest.Plan
	planErrors = steptest.PlanErrors
	repoRoot   = steptest.RepoRoot
	sharedData = steptest.SharedData
	approx     = steptest.Approx
	schemaOf   = steptest.SchemaOf

	i64  = steptest.I64
	f64  = steptest.F64
	str  = steptest.Str
	bln  = steptest.Bool
	date = steptest.Date
	ts   = steptest.TS
)
