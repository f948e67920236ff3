package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/standards"
)

type rulesOptions struct {
	Format string
	IDs    []string
}

func newRulesCmd() *cobra.Command {
	var o rulesOptions
	cmd := &cobra.Command{
		Use:   "rules [RULE-ID...]",
		Short: "List every rule modelgate can report, with its explanation",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.IDs = args
			return runRules(cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: text or json")
	return cmd
}

func runRules(w io.Writer, o rulesOptions) error {
	rules := formats.Rules()
	if len(o.IDs) > 0 {
		var picked []formats.Rule
		for _, id := range o.IDs {
			r, ok := formats.LookupRule(strings.ToUpper(id))
			if !ok {
				return usageError("unknown rule %q: `modelgate rules` lists them all", id)
			}
			picked = append(picked, r)
		}
		rules = picked
	}
	switch o.Format {
	case "json":
		type mapped struct {
			formats.Rule
			Standards standards.Mapping `json:"standards"`
		}
		out := make([]mapped, len(rules))
		for i, r := range rules {
			m, _ := standards.Lookup(r.ID)
			out[i] = mapped{Rule: r, Standards: m}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "text":
		for _, r := range rules {
			m, _ := standards.Lookup(r.ID)
			var maps []string
			for _, fw := range standards.Frameworks {
				maps = append(maps, fw+": "+strings.Join(m.In(fw), ", "))
			}
			if _, err := fmt.Fprintf(w, "%s  %-8s  %s\n%s\n%s\n\n", r.ID, r.Severity, r.Title, wrap(r.Doc, 76, "    "),
				wrap(strings.Join(maps, "; "), 76, "    ")); err != nil {
				return err
			}
		}
		return nil
	}
	return usageError("--format %q: want text or json", o.Format)
}

// wrap folds text into lines of at most width columns, each indented.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		if col > 0 && col+1+len(word) > width {
			b.WriteString("\n")
			col = 0
		}
		if col == 0 {
			b.WriteString(indent)
			col = len(indent)
		} else {
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
