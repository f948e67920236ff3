#!/usr/bin/env bash
# The shell half of action.yml, kept here so a test can run it.
#
#   action-scan.sh scan     scan INPUT_PATHS and INPUT_TARGETS once, writing
#                           SARIF (INPUT_SARIF), JSON (INPUT_JSON), the BOM
#                           (INPUT_BOM) and the job summary from that one
#                           read; record exit-code, verdict, sarif, json and
#                           bom in $GITHUB_OUTPUT. Exits 0 so the SARIF
#                           upload runs whatever the verdict.
#   action-scan.sh enforce  exit with MG_EXIT, the scan's exit code.
#
# MODELGATE names the binary (default: modelgate on PATH).
set -uo pipefail
mg=${MODELGATE:-modelgate}
out=${GITHUB_OUTPUT:-/dev/null}

verdict_of() {
	case "$1" in
	0) echo pass ;;
	1) echo fail ;;
	2) echo no-verdict ;;
	*) echo usage-error ;;
	esac
}

scan() {
	local -a targets args
	read -r -d '' -a targets <<<"${INPUT_PATHS:-} ${INPUT_TARGETS:-}"
	read -r -d '' -a args <<<"${INPUT_ARGS:-}"
	if [ ${#targets[@]} -eq 0 ]; then
		echo "::error::modelgate: no paths or targets given"
		{ echo "exit-code=3"; echo "verdict=usage-error"; echo "sarif="; echo "json="; echo "bom="; } >>"$out"
		return 0
	fi
	local sarif=${INPUT_SARIF:-modelgate.sarif} json=${INPUT_JSON:-} bom=${INPUT_BOM:-}
	[ -n "${INPUT_POLICY:-}" ] && args+=(--policy "$INPUT_POLICY")
	[ -n "${INPUT_FAIL_ON:-}" ] && args+=(--fail-on "$INPUT_FAIL_ON")
	# One read of the models feeds every report: SARIF on -o, the rest
	# through --report, the BOM of every target through --bom.
	[ -n "$json" ] && args+=(--report "json=$json")
	[ -n "$bom" ] && args+=(--bom "$bom")
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
		args+=(--report "markdown=$GITHUB_STEP_SUMMARY")
	fi
	rm -f -- "$sarif" ${json:+"$json"} ${bom:+"$bom"}
	"$mg" scan --summary --format sarif -o "$sarif" "${args[@]}" -- "${targets[@]}"
	local code=$?
	[ -s "$sarif" ] || sarif=""
	[ -n "$json" ] && [ ! -s "$json" ] && json=""
	[ -n "$bom" ] && [ ! -s "$bom" ] && bom=""
	local verdict
	verdict=$(verdict_of "$code")
	{
		echo "exit-code=$code"
		echo "verdict=$verdict"
		echo "sarif=$sarif"
		echo "json=$json"
		echo "bom=$bom"
	} >>"$out"
	echo "modelgate: $verdict (exit $code)"
	return 0
}

enforce() {
	local code=${MG_EXIT:-}
	case "$code" in
	0) echo "modelgate: pass" ;;
	1) echo "::error::modelgate: a finding reached fail-on" ;;
	2) echo "::error::modelgate: no verdict (a file could not be fully read, or nothing was scanned)" ;;
	3) echo "::error::modelgate: usage error" ;;
	*)
		echo "::error::modelgate: the scan step recorded no exit code"
		code=3
		;;
	esac
	exit "$code"
}

case "${1:-}" in
scan) scan ;;
enforce) enforce ;;
*)
	echo "usage: $0 scan|enforce" >&2
	exit 3
	;;
esac
