// Package shipping tests the ways modelgate is shipped to the tools that
// run it: the GitHub Action (action.yml and scripts/action-scan.sh), the
// pre-commit hook source (.pre-commit-hooks.yaml) and the Helm chart
// (deploy/helm/modelgate). It has no code of its own; its tests run the
// real files against a freshly built binary and testdata/sample.
package shipping
