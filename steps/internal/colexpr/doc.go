// Package colexpr compiles aftercare's expressions (expr-lang syntax) to
// vectorised programs over Arrow record batches.
//
// An expression such as
//
//	monetary > 1000 && recency_days > 90
//	days_between(last_purchase, params.as_of)
//	category in ["return", "refund"] || lower(trim(note)) contains "broken"
//
// sees the columns of its input by name, the recipe params as
// params.NAME and the functions listed below. Compile parses and
// type-checks the source with expr's parser and checker, in an
// environment built from the Arrow schema and the params, then compiles
// the checked tree into closures that each compute a whole column vector
// for a chunk of rows.
//
// Node kinds the vectorised evaluator does not handle (expr's list
// builtins with predicates, member access on per-row values, slices, ...)
// run on expr's own VM, once at compile time when they only depend on
// constants and row by row otherwise. Inside such a node, every closed
// subexpression that reads columns (one that does not use the predicate's
// element #) is still computed by the vectorised evaluator and handed to
// the VM as an input: in any(params.limits, {# > coalesce(a, b) * 2})
// only the comparison with each list element runs on the VM.
//
// Column names that are not identifiers are read with
// col("Annual Income (k$)") (a string literal); a column named params
// only that way. When a schema repeats a name, the first such column is
// the one read.
//
// # Types
//
// Columns have one of aftercare's six canonical types: int64, float64,
// string, bool, date32 and timestamp[us, UTC]. Integer literals and int64
// columns are ints; mixing ints and floats gives floats; / always gives a
// float and ** a float, as in expr; % takes ints. The branches of
// c ? a : b and the arguments of coalesce take a common type: int and
// float give float, date and timestamp give timestamp. Where expr's
// checker sees an int argument of a function taking floats
// (pow(x, n * 3)), it turns the integer literals in it into floats, and
// colexpr, which compiles the checked tree, does the same.
//
// A result has one of the six types: a date stays a date through
// date_trunc and add_days, a time.Time param at midnight UTC is a date
// and any other is a timestamp, and a time computed row by row on expr's
// VM is a timestamp. Durations (timestamp - timestamp, duration params)
// exist inside an expression only: compare them, add them to timestamps
// (truncated to the microsecond), or measure with days_between instead.
//
// # Nulls
//
// Nulls follow SQL:
//
//   - arithmetic, comparisons, string operators and functions give null
//     when an operand is null (except is_null, coalesce and ??);
//   - && and || use three-valued logic: false && null is false, true ||
//     null is true, true && null and false || null are null;
//   - !null is null; x == nil and x != nil test for null, as does
//     is_null(x);
//   - coalesce(a, b, ...) (also written a ?? b) gives its first non-null
//     argument;
//   - c ? a : b (and if c { a } else { b }) takes b when c is null, like
//     SQL's CASE;
//   - x in list is null when x is null;
//   - min, max and clamp are null when any argument is null;
//   - a node run on expr's VM is null when one of its vectorised inputs
//     is null;
//   - a filter or a rule (EvalBool) treats null as false.
//
// A few operations give null instead of failing the run: x % 0, add_days
// past the timestamp range (about ±292,000 years), int() of NaN, of an
// infinity or of a float outside the int64 range, date() of a string that
// is not YYYY-MM-DD, and matches with a per-row pattern that is not a
// valid regular expression. Floating-point results follow IEEE 754:
// sqrt(-1) and log(-1) are NaN, log(0) is -Inf, 1/0 is +Inf. NaN compares
// false with everything (and != gives true), as in Go and expr. Integer
// arithmetic wraps around on overflow, as in Go and expr.
//
// # Functions
//
// Dates and timestamps: days_between(a, b), weeks_between(a, b) and
// hours_between(a, b) give b - a as a float (fractional for timestamps);
// date_trunc(unit, t) with unit "day", "week" (weeks start on Monday),
// "month", "quarter" or "year" as a literal; add_days(t, n); year(t),
// month(t), day(t), weekday(t) (0 is Sunday, as in Go); date("2024-12-31");
// now(), which returns Env.AsOf. Dates and timestamps compare with each
// other (a date is midnight UTC).
//
// Strings: lower, upper, trim (spaces), len (in characters), + to
// concatenate, the operators contains, startsWith, endsWith, matches (a
// regular expression, RE2 syntax, unanchored) and in ["a", "b"].
//
// Numbers: abs, round(x) and round(x, digits) (half away from zero),
// floor, ceil, sqrt, log, log1p, exp, pow(x, y) and x ** y, min(a, b, ...),
// max(a, b, ...), clamp(x, lo, hi), int(x) (truncates toward zero) and
// float(x).
//
// Conditionals and lists: c ? a : b, if c { a } else { b }, let x = ...;
// x in params.list (also x in 1..10 and x in {"key": ...}), is_null(x),
// coalesce(a, b, ...). expr's list builtins (all, any, filter, map,
// count, ...) work on lists such as params. expr's other builtins are not
// available.
//
// # Evaluation
//
// Eval returns a new Arrow array; EvalBool fills a []bool for filters and
// rules. A Program is safe for concurrent use, so callers evaluate
// batches in parallel; one Eval works through its batch in chunks of a
// few thousand rows so that intermediate vectors stay in cache.
package colexpr
