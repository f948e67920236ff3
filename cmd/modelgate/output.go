package main

import (
	"fmt"
	"io"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/report"
)

// checkFormat rejects a --format this build cannot write.
func checkFormat(name string) error {
	switch name {
	case "text", "json":
		return nil
	}
	return fmt.Errorf("--format %q: want text or json", name)
}

// writeReport writes rep in the format o asks for.
func writeReport(w io.Writer, rep *scanner.Report, o scanOptions, color bool) error {
	if o.Format == "json" {
		return report.WriteJSON(w, rep)
	}
	return report.WriteText(w, rep, report.TextOptions{Color: color, Quiet: o.Quiet})
}
