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
	case "text", "json", "sarif", "markdown":
		return nil
	}
	return fmt.Errorf("--format %q: want text, json, sarif or markdown", name)
}

// isBOMFormat reports whether a --report format names the CycloneDX
// ML-BOM (JSON), which is built from the report rather than rendering it.
func isBOMFormat(name string) bool { return name == "cyclonedx" || name == "bom" }

// writeReport writes rep in the format o asks for.
func writeReport(w io.Writer, rep *scanner.Report, o scanOptions, color bool) error {
	switch o.Format {
	case "json":
		return report.WriteJSON(w, rep)
	case "sarif":
		return report.WriteSARIF(w, rep)
	case "markdown":
		return report.WriteMarkdown(w, rep)
	}
	return report.WriteText(w, rep, report.TextOptions{Color: color, Quiet: o.Quiet})
}
