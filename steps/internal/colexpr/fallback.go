package colexpr

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr/ast"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// vmProgram compiles a checked subtree to bytecode for expr's VM.
func (c *compiler) vmProgram(n ast.Node) (prog *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, c.errAt(pos(n), "internal error in expr: %v", r)
		}
	}()
	prog, err = exprcompiler.Compile(&parser.Tree{Node: n, Source: c.tree.Source}, c.cfg)
	if err != nil {
		return nil, c.errAt(pos(n), "%v", vmMessage(err))
	}
	return prog, nil
}

// runVM runs a program on env, with machine m when given (machines are
// reused between rows) and a fresh one otherwise.
func runVM(m *vm.VM, prog *vm.Program, env map[string]any) (out any, err error) {
	if m == nil {
		m = &vm.VM{}
	}
	out, err = m.Run(prog, env)
	if err != nil {
		return nil, errors.New(vmMessage(err))
	}
	return out, nil
}

// vmMessage returns the message of one of expr's errors without the
// source snippet.
func vmMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return fmt.Sprint(err)
}
