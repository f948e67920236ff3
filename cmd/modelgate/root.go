package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/modelgate/modelgate/formats/all" // every analyzer
	"github.com/modelgate/modelgate/scanner"
)

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error // printed when non-nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// usageError is a mistake in how modelgate was called: exit code 3.
func usageError(format string, args ...any) error {
	return &exitError{code: scanner.ExitUsage, err: fmt.Errorf(format, args...)}
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "modelgate",
		Short:         "Scan machine-learning model artifacts for code-execution payloads, statically",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: scanner.ExitUsage, err: err}
	})
	root.AddCommand(newScanCmd(), newRulesCmd(), newVersionCmd(), newPolicyCmd(), newVerifyCmd(), newSignCmd(), newAttestCmd(), newBOMCmd(), newServeCmd())
	return root
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "modelgate: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own argument errors (unknown command, wrong arg count) are
	// usage errors too; cobra spreads some over several lines.
	fmt.Fprintf(stderr, "modelgate: %s (see modelgate --help)\n", strings.Join(strings.Fields(err.Error()), " "))
	if ctx.Err() != nil {
		return scanner.ExitNoVerdict
	}
	return scanner.ExitUsage
}
