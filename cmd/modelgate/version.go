package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// Version returns the build's version: the linker-set one, else the
// module version, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// versionLine says which build this is: the version, and the revision of
// the source it was built from as the Go toolchain recorded it (absent
// when built outside a checkout, "modified" when the tree had changes).
func versionLine(v string, bi *debug.BuildInfo) string {
	line := "modelgate " + v
	if bi == nil {
		return line
	}
	if bi.Main.Path != "" {
		line += " (module " + bi.Main.Path
		if bi.Main.Version != "" {
			line += " " + bi.Main.Version
		}
		line += ")"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return line + ", revision unknown"
	}
	parts := []string{"revision " + rev}
	if when != "" {
		parts = append(parts, when)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return line + ", " + strings.Join(parts, ", ")
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, module and source revision of this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionLine(Version(), bi))
			return err
		},
	}
}
