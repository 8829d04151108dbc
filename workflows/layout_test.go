package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The workflow code stays readable as a story: no file over 300 lines, no function over 60, and no
// workflow.GetVersion branch that no tagged release needs (from v0.3.0 on, each change adds one deliberately:
// raise the count here with it, and keep the tag's histories as replay fixtures).
func TestTheWorkflowCodeStaysSmall(t *testing.T) {
	const maxFileLines, maxFuncLines, getVersionCalls = 300, 60, 5 // pin-account, issuance-guard, approval-scope, pickup, tenant-watch
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		require.LessOrEqual(t, strings.Count(string(src), "\n"), maxFileLines, "%s is over %d lines", name, maxFileLines)
		f, err := parser.ParseFile(fset, name, src, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				lines := fset.Position(n.End()).Line - fset.Position(n.Pos()).Line + 1
				require.LessOrEqual(t, lines, maxFuncLines, "%s: %s is %d lines", name, n.Name.Name, lines)
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "workflow" && n.Sel.Name == "GetVersion" {
					calls++
				}
			}
			return true
		})
	}
	require.Equal(t, getVersionCalls, calls, "workflow.GetVersion calls")
}
