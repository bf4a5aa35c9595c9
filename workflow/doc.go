// Package workflow is aftercare's engine: the recipe model and its
// position-keeping decoder, typed parameters and interpolation, the step
// type registry, planning (strict decoding, DAG wiring, cycle detection,
// output-schema propagation, expression checks), parallel execution with
// staged outputs, fingerprints and run results.
//
// Step types live in the packages under steps/ and register themselves
// with Register; workflow imports none of them. The contract between the
// engine and a step type is the Step interface, which this package owns.
//
// The lifecycle of a recipe is Load (parse YAML, keep positions), Plan
// (what `aftercare validate` runs: everything that can be known before any
// data is read, all diagnostics at once) and Execute (run ready steps in
// parallel, first failure cancels the rest, outputs committed only when
// the whole run succeeds). Between the two, the plan works out which
// columns each output must carry (ColumnUser), so sources read no more
// than the recipe uses.
package workflow
