package colexpr

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"

	"github.com/aftercare/aftercare/workflow"
)

// fnDef is a function expressions may call: its signatures for expr's
// type checker, its row-at-a-time implementation for expr's VM, and the
// builder of its vectorised node.
type fnDef struct {
	types []any
	row   func(args ...any) (any, error)
	build func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error)
}

// call compiles a call of one of the functions.
func (c *compiler) call(n *ast.CallNode) (*cnode, error) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil, errFallback
	}
	f, ok := c.fns[id.Value]
	if !ok {
		return nil, errFallback
	}
	args := make([]*cnode, len(n.Arguments))
	for i, a := range n.Arguments {
		cn, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		if !isData(cn) {
			return nil, errFallback
		}
		args[i] = cn
	}
	return f.build(c, n, args)
}

// badArg reports an argument of the wrong kind (possible when the checker
// saw a param of unknown type).
func (c *compiler) badArg(n *ast.CallNode, i int, k kind) error {
	return c.errAt(pos(n.Arguments[i]), "invalid argument for %s (type %s)", n.Callee, k)
}

func anyNil(args []any) bool {
	for _, a := range args {
		if a == nil {
			return true
		}
	}
	return false
}

func toF(x any) float64 {
	switch x := x.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func allInts(args []any) bool {
	for _, a := range args {
		if _, ok := a.(int); !ok {
			return false
		}
	}
	return true
}

// strictRow wraps a row implementation so that a nil argument gives nil.
func strictRow(f func(args ...any) (any, error)) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		if anyNil(args) {
			return nil, nil
		}
		return f(args...)
	}
}

// floatFn is a function of one float.
func floatFn(f func(float64) float64) *fnDef {
	return &fnDef{
		types: []any{new(func(float64) float64)},
		row:   strictRow(func(args ...any) (any, error) { return f(toF(args[0])), nil }),
		build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
			if !args[0].k.numeric() && args[0].k != kNull {
				return nil, c.badArg(n, 0, args[0].k)
			}
			a, err := c.toFloat(args[0])
			if err != nil {
				return nil, err
			}
			return c.strict(kFloat, pos(n), []*cnode{a}, func(o *vec, in []*vec, n int) error {
				for i, x := range in[0].f[:n] {
					o.f[i] = f(x)
				}
				return nil
			})
		},
	}
}

// stringFn is a function from string to string.
func stringFn(f func(string) string) *fnDef {
	return &fnDef{
		types: []any{new(func(string) string)},
		row:   strictRow(func(args ...any) (any, error) { return f(args[0].(string)), nil }),
		build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
			if args[0].k != kString && args[0].k != kNull {
				return nil, c.badArg(n, 0, args[0].k)
			}
			return c.strict(kString, pos(n), args, func(o *vec, in []*vec, n int) error {
				for i, x := range in[0].s[:n] {
					o.s[i] = f(x)
				}
				return nil
			})
		},
	}
}

// betweenFn is days_between and its kin: (b - a) in the given unit.
func betweenFn(unit float64) *fnDef {
	return &fnDef{
		types: []any{new(func(time.Time, time.Time) float64)},
		row: strictRow(func(args ...any) (any, error) {
			a, b := args[0].(time.Time), args[1].(time.Time)
			return float64(b.UnixMicro()-a.UnixMicro()) / unit, nil
		}),
		build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
			for i, a := range args {
				if !a.k.temporal() && a.k != kNull {
					return nil, c.badArg(n, i, a.k)
				}
			}
			a, err := c.toTime(args[0])
			if err != nil {
				return nil, err
			}
			b, err := c.toTime(args[1])
			if err != nil {
				return nil, err
			}
			return c.strict(kFloat, pos(n), []*cnode{a, b}, func(o *vec, in []*vec, n int) error {
				x, y := in[0].i[:n], in[1].i[:n]
				for i := range x {
					o.f[i] = float64(y[i]-x[i]) / unit
				}
				return nil
			})
		},
	}
}

// datePartFn is year, month, day and weekday.
func datePartFn(part func(days int64) int64, row func(t time.Time) int) *fnDef {
	return &fnDef{
		types: []any{new(func(time.Time) int)},
		row:   strictRow(func(args ...any) (any, error) { return row(args[0].(time.Time).UTC()), nil }),
		build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
			a := args[0]
			if !a.k.temporal() && a.k != kNull {
				return nil, c.badArg(n, 0, a.k)
			}
			isTime := a.k == kTime
			return c.strict(kInt, pos(n), args, func(o *vec, in []*vec, n int) error {
				for i, x := range in[0].i[:n] {
					if isTime {
						x = floorDiv(x, usPerDay)
					}
					o.i[i] = part(x)
				}
				return nil
			})
		},
	}
}

// numericArgs checks that every argument is a number and reports whether
// they are all ints.
func (c *compiler) numericArgs(n *ast.CallNode, args []*cnode) (bool, error) {
	ints := true
	for i, a := range args {
		switch a.k {
		case kInt, kNull:
		case kFloat:
			ints = false
		default:
			return false, c.badArg(n, i, a.k)
		}
	}
	return ints, nil
}

// floatArgs converts every argument to float.
func (c *compiler) floatArgs(args []*cnode) ([]*cnode, error) {
	out := make([]*cnode, len(args))
	for i, a := range args {
		f, err := c.toFloat(a)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// foldFn is min, max and clamp: a number from several.
func foldFn(fi func(xs []int64) int64, ff func(xs []float64) float64, types ...any) *fnDef {
	return &fnDef{
		types: types,
		row: strictRow(func(args ...any) (any, error) {
			if allInts(args) {
				xs := make([]int64, len(args))
				for i, a := range args {
					xs[i] = int64(a.(int))
				}
				return int(fi(xs)), nil
			}
			xs := make([]float64, len(args))
			for i, a := range args {
				xs[i] = toF(a)
			}
			return ff(xs), nil
		}),
		build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
			ints, err := c.numericArgs(n, args)
			if err != nil {
				return nil, err
			}
			if ints {
				return c.strict(kInt, pos(n), args, func(o *vec, in []*vec, n int) error {
					xs := make([]int64, len(in))
					for i := range n {
						for j, v := range in {
							xs[j] = v.i[i]
						}
						o.i[i] = fi(xs)
					}
					return nil
				})
			}
			if args, err = c.floatArgs(args); err != nil {
				return nil, err
			}
			return c.strict(kFloat, pos(n), args, func(o *vec, in []*vec, n int) error {
				xs := make([]float64, len(in))
				for i := range n {
					for j, v := range in {
						xs[j] = v.f[i]
					}
					o.f[i] = ff(xs)
				}
				return nil
			})
		},
	}
}

func minOf[T int64 | float64](xs []T) T {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

func maxOf[T int64 | float64](xs []T) T {
	m := xs[0]
	for _, x := range xs[1:] {
		m = max(m, x)
	}
	return m
}

func clampOf[T int64 | float64](xs []T) T { return min(max(xs[0], xs[1]), xs[2]) }

// functions returns the function table of an environment (now() reads
// its as_of time).
func functions(env Env) map[string]*fnDef {
	fns := map[string]*fnDef{
		"is_null": {
			types: []any{new(func(any) bool)},
			row:   func(args ...any) (any, error) { return args[0] == nil, nil },
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				return c.isNull(pos(n), args[0], false)
			},
		},
		"days_between":  betweenFn(usPerDay),
		"weeks_between": betweenFn(usPerWeek),
		"hours_between": betweenFn(usPerHour),
		"date_trunc": {
			types: []any{new(func(string, time.Time) time.Time)},
			row: strictRow(func(args ...any) (any, error) {
				unit := args[0].(string)
				if !validUnit(unit) {
					return nil, fmt.Errorf("unknown date_trunc unit %q", unit)
				}
				return truncTime(unit, args[1].(time.Time)), nil
			}),
			build: buildTrunc,
		},
		"add_days": {
			types: []any{new(func(time.Time, int) time.Time)},
			row: strictRow(func(args ...any) (any, error) {
				t, n := args[0].(time.Time).UTC(), args[1].(int)
				if _, ok := addDays(floorDiv(t.UnixMicro(), usPerDay), int64(n)); !ok {
					return nil, nil
				}
				return t.AddDate(0, 0, n), nil
			}),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				t, d := args[0], args[1]
				if !t.k.temporal() && t.k != kNull {
					return nil, c.badArg(n, 0, t.k)
				}
				if d.k != kInt && d.k != kNull {
					return nil, c.badArg(n, 1, d.k)
				}
				k := t.k
				if k == kNull {
					k = kDate
				}
				return c.strict(k, pos(n), args, func(o *vec, in []*vec, n int) error {
					x, y := in[0].i[:n], in[1].i[:n]
					var valid []bool
					for i := range x {
						days := x[i]
						if k == kTime {
							days = floorDiv(x[i], usPerDay)
						}
						r, ok := addDays(days, y[i])
						switch {
						case !ok:
							if valid == nil {
								valid = ownValid(o, n)
							}
							valid[i] = false
							o.i[i] = 0
						case k == kDate:
							o.i[i] = r
						default:
							o.i[i] = x[i] + y[i]*usPerDay
						}
					}
					return nil
				})
			},
		},
		"year": datePartFn(func(d int64) int64 { y, _, _ := civil(d); return y },
			func(t time.Time) int { return t.Year() }),
		"month": datePartFn(func(d int64) int64 { _, m, _ := civil(d); return int64(m) },
			func(t time.Time) int { return int(t.Month()) }),
		"day": datePartFn(func(d int64) int64 { _, _, dd := civil(d); return int64(dd) },
			func(t time.Time) int { return t.Day() }),
		"weekday": datePartFn(weekdayOf, func(t time.Time) int { return int(t.Weekday()) }),
		"date": {
			types: []any{new(func(string) time.Time)},
			row: strictRow(func(args ...any) (any, error) {
				if t, ok := parseDate(args[0].(string)); ok {
					return t, nil
				}
				return nil, nil
			}),
			build: buildDate,
		},
		"now": {
			types: []any{new(func() time.Time)},
			row: func(args ...any) (any, error) {
				if env.AsOf == nil {
					return nil, errors.New("now() needs an as_of param")
				}
				return normTime(*env.AsOf), nil
			},
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				if c.env.AsOf == nil {
					return nil, c.errAt(pos(n), "now() needs an as_of param")
				}
				return c.constant(kTime, c.env.AsOf.UnixMicro(), pos(n)), nil
			},
		},
		"lower": stringFn(strings.ToLower),
		"upper": stringFn(strings.ToUpper),
		"trim":  stringFn(strings.TrimSpace),
		"len": {
			types: []any{new(func(string) int), new(func([]any) int)},
			row: strictRow(func(args ...any) (any, error) {
				if s, ok := args[0].(string); ok {
					return utf8.RuneCountInString(s), nil
				}
				rv := reflect.ValueOf(args[0])
				switch rv.Kind() {
				case reflect.Slice, reflect.Array, reflect.Map:
					return rv.Len(), nil
				}
				return nil, fmt.Errorf("invalid argument for len (type %T)", args[0])
			}),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				a := args[0]
				switch {
				case a.k == kString || a.k == kNull:
					return c.strict(kInt, pos(n), args, func(o *vec, in []*vec, n int) error {
						for i, s := range in[0].s[:n] {
							o.i[i] = int64(utf8.RuneCountInString(s))
						}
						return nil
					})
				case a.kon != nil && (a.k == kList || a.k == kAny):
					rv := reflect.ValueOf(a.kon.val)
					switch rv.Kind() {
					case reflect.Slice, reflect.Array, reflect.Map:
						return c.constant(kInt, int64(rv.Len()), pos(n)), nil
					}
				}
				return nil, c.badArg(n, 0, a.k)
			},
		},
		"abs": {
			types: []any{new(func(int) int), new(func(float64) float64)},
			row: strictRow(func(args ...any) (any, error) {
				if x, ok := args[0].(int); ok {
					if x < 0 {
						return -x, nil
					}
					return x, nil
				}
				return math.Abs(toF(args[0])), nil
			}),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				ints, err := c.numericArgs(n, args)
				if err != nil {
					return nil, err
				}
				if !ints {
					return c.strict(kFloat, pos(n), args, func(o *vec, in []*vec, n int) error {
						for i, x := range in[0].f[:n] {
							o.f[i] = math.Abs(x)
						}
						return nil
					})
				}
				return c.strict(kInt, pos(n), args, func(o *vec, in []*vec, n int) error {
					for i, x := range in[0].i[:n] {
						if x < 0 {
							x = -x
						}
						o.i[i] = x
					}
					return nil
				})
			},
		},
		"round": {
			types: []any{new(func(float64) float64), new(func(float64, int) float64)},
			row: strictRow(func(args ...any) (any, error) {
				if len(args) == 2 {
					return roundDigits(toF(args[0]), args[1].(int)), nil
				}
				return math.Round(toF(args[0])), nil
			}),
			build: buildRound,
		},
		"floor": floatFn(math.Floor),
		"ceil":  floatFn(math.Ceil),
		"sqrt":  floatFn(math.Sqrt),
		"log":   floatFn(math.Log),
		"log1p": floatFn(math.Log1p),
		"exp":   floatFn(math.Exp),
		"pow": {
			types: []any{new(func(float64, float64) float64)},
			row: strictRow(func(args ...any) (any, error) {
				return math.Pow(toF(args[0]), toF(args[1])), nil
			}),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				if _, err := c.numericArgs(n, args); err != nil {
					return nil, err
				}
				args, err := c.floatArgs(args)
				if err != nil {
					return nil, err
				}
				return c.strict(kFloat, pos(n), args, func(o *vec, in []*vec, n int) error {
					powVV(in[0].f[:n], in[1].f[:n], o.f)
					return nil
				})
			},
		},
		"min": foldFn(minOf[int64], minOf[float64],
			new(func(int, ...int) int), new(func(float64, ...float64) float64)),
		"max": foldFn(maxOf[int64], maxOf[float64],
			new(func(int, ...int) int), new(func(float64, ...float64) float64)),
		"clamp": foldFn(clampOf[int64], clampOf[float64],
			new(func(int, int, int) int), new(func(float64, float64, float64) float64)),
		"int": {
			types: []any{new(func(int) int), new(func(float64) int)},
			row: strictRow(func(args ...any) (any, error) {
				if x, ok := args[0].(int); ok {
					return x, nil
				}
				if x := toF(args[0]); checkFinite(x) {
					return int(x), nil
				}
				return nil, nil
			}),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				ints, err := c.numericArgs(n, args)
				if err != nil {
					return nil, err
				}
				if ints {
					return args[0], nil
				}
				return c.strict(kInt, pos(n), args, func(o *vec, in []*vec, n int) error {
					var valid []bool
					for i, x := range in[0].f[:n] {
						if checkFinite(x) {
							o.i[i] = int64(x)
							continue
						}
						if valid == nil {
							valid = ownValid(o, n)
						}
						valid[i] = false
						o.i[i] = 0
					}
					return nil
				})
			},
		},
		"float": {
			types: []any{new(func(int) float64), new(func(float64) float64)},
			row:   strictRow(func(args ...any) (any, error) { return toF(args[0]), nil }),
			build: func(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
				if _, err := c.numericArgs(n, args); err != nil {
					return nil, err
				}
				if args[0].k == kNull {
					return c.nullConst(kFloat, pos(n)), nil
				}
				return c.toFloat(args[0])
			},
		},
	}
	return fns
}

func validUnit(u string) bool {
	for _, x := range truncUnits {
		if u == x {
			return true
		}
	}
	return false
}

func buildTrunc(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
	u, t := args[0], args[1]
	if u.kon == nil || u.k != kString || u.kon.isNullConst() {
		return nil, c.errAt(pos(n.Arguments[0]), "date_trunc needs a constant unit: one of %s",
			strings.Join(truncUnits, ", "))
	}
	unit := u.kon.s[0]
	if !validUnit(unit) {
		return nil, c.errAt(pos(n.Arguments[0]), "unknown date_trunc unit %q%s", unit,
			workflow.DidYouMean(unit, truncUnits))
	}
	if !t.k.temporal() && t.k != kNull {
		return nil, c.badArg(n, 1, t.k)
	}
	k := t.k
	if k == kNull {
		return c.nullConst(kDate, pos(n)), nil
	}
	if k == kDate && unit == "day" {
		return t, nil
	}
	return c.strict(k, pos(n), []*cnode{t}, func(o *vec, in []*vec, n int) error {
		for i, x := range in[0].i[:n] {
			if k == kDate {
				o.i[i] = truncDays(unit, x)
			} else {
				o.i[i] = truncDays(unit, floorDiv(x, usPerDay)) * usPerDay
			}
		}
		return nil
	})
}

func buildDate(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
	a := args[0]
	if a.k != kString && a.k != kNull {
		return nil, c.badArg(n, 0, a.k)
	}
	if a.kon != nil && !a.kon.isNullConst() {
		t, ok := parseDate(a.kon.s[0])
		if !ok {
			return nil, c.errAt(pos(n.Arguments[0]), "invalid date %q (want YYYY-MM-DD)", a.kon.s[0])
		}
		return c.constant(kDate, floorDiv(t.Unix(), secondsPerDay), pos(n)), nil
	}
	return c.strict(kDate, pos(n), args, func(o *vec, in []*vec, n int) error {
		var valid []bool
		for i, s := range in[0].s[:n] {
			if !o.isValid(i) {
				continue
			}
			t, ok := parseDate(s)
			if ok {
				o.i[i] = floorDiv(t.Unix(), secondsPerDay)
				continue
			}
			if valid == nil {
				valid = ownValid(o, n)
			}
			valid[i] = false
		}
		return nil
	})
}

func buildRound(c *compiler, n *ast.CallNode, args []*cnode) (*cnode, error) {
	if _, err := c.numericArgs(n, args[:1]); err != nil {
		return nil, err
	}
	x, err := c.toFloat(args[0])
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		return c.strict(kFloat, pos(n), []*cnode{x}, func(o *vec, in []*vec, n int) error {
			for i, v := range in[0].f[:n] {
				o.f[i] = math.Round(v)
			}
			return nil
		})
	}
	if args[1].k != kInt && args[1].k != kNull {
		return nil, c.badArg(n, 1, args[1].k)
	}
	return c.strict(kFloat, pos(n), []*cnode{x, args[1]}, func(o *vec, in []*vec, n int) error {
		d := in[1].i[:n]
		for i, v := range in[0].f[:n] {
			o.f[i] = roundDigits(v, int(d[i]))
		}
		return nil
	})
}
