// Package features holds the feature-extraction step types: row filters,
// derived columns, column selection, and (in later files) group-by
// aggregates, joins, scaling, imputation and encoding. Row-wise steps are
// lazy: they transform batches as a downstream step scans them, so a
// read → filter → derive → aggregate chain streams.
package features
