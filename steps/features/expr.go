package features

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// compileExpr compiles e against schema and reports an error at its exact
// position inside the recipe. want is "bool" for conditions, "" for any
// type. It returns nil after reporting.
func compileExpr(c *workflow.CheckContext, path string, e workflow.Expr, schema *arrow.Schema, want string) *colexpr.Program {
	env := colexpr.Env{Schema: schema, Params: c.Params(), AsOf: c.AsOf()}
	var (
		p   *colexpr.Program
		err error
	)
	if want == "bool" {
		p, err = colexpr.CompileBool(e.Src, env)
	} else {
		p, err = colexpr.Compile(e.Src, env)
	}
	if err != nil {
		var ce *colexpr.Error
		if errors.As(err, &ce) {
			c.ErrorAt(e.At(ce.Line, ce.Col), path, "%s", ce.Msg)
		} else {
			c.ErrorAt(e.Pos, path, "%v", err)
		}
		return nil
	}
	return p
}
