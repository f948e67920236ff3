package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/policy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with promotion-gate policy files",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a policy file and report every mistake with its line and column",
		Long: "Validate a policy file (schema/policy.schema.json) the way `modelgate scan --policy` reads it.\n\n" +
			"Exit codes: 0 the policy is valid; 3 it is not (each mistake is printed as FILE:LINE:COLUMN: what to do).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyCheck(cmd.OutOrStdout(), args[0])
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "suggest REPORT.json",
		Short: "Draft a policy allowing the pickle globals a JSON report found not on the allowlist, for a reviewer",
		Long: "Read a JSON report (modelgate scan --format json) and print a draft policy whose pickle.allow lists every\n" +
			"global the report found not on the allowlist (MG101) or used beyond its entry (MG116), each with the\n" +
			"files that named it and a reason that says REVIEW. It never lists a denylisted global. Loading a pickle\n" +
			"imports every global it names: keep an entry only after reading what building it runs.\n\n" +
			"Exit codes: 0 a draft was printed; 3 the report cannot be read.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicySuggest(cmd.OutOrStdout(), args[0])
		},
	})
	return cmd
}

func runPolicyCheck(w io.Writer, name string) error {
	p, err := policy.Load(name)
	if err != nil {
		var es policy.Errors
		if errors.As(err, &es) {
			return &exitError{code: scanner.ExitUsage, err: fmt.Errorf("%d error(s):\n%v", len(es), err)}
		}
		return &exitError{code: scanner.ExitUsage, err: err}
	}
	failOn := "the command line's --fail-on"
	if p.FailOn != nil {
		failOn = p.FailOn.String()
	}
	_, err = fmt.Fprintf(w, "%s: valid policy (version %d, sha256 %s): fail-on %s, %d rule overrides, %d allowed pickle globals, "+
		"%d signature requirements, %d waivers\n", name, policy.Version, p.SHA256, failOn, len(p.Rules), len(p.Globals),
		len(p.Signatures), len(p.Waivers))
	if err == nil && len(p.Signatures) > 0 {
		_, err = fmt.Fprintf(w, "note: %s; files the signature requirements cover will be inconclusive\n", policy.SignatureUnavailable)
	}
	return err
}
