#!/usr/bin/env bash
# Checks and tests the Prometheus alerting rules in alerts/ with promtool (`promtool test rules`).
#
# promtool comes from PATH, else from .e2e/promtool/bin/, else from the Debian package `prometheus`: downloaded
# with apt-get (no install: only the promtool binary is extracted into .e2e/promtool/bin/; the machine's
# installed packages stay as they are). PROMTOOL=/path/to/promtool names another.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
	echo "scripts/alerts/test.sh: $*" >&2
	exit 1
}

local_promtool=$PWD/.e2e/promtool/bin/promtool
promtool=${PROMTOOL:-$(command -v promtool || true)}
if [[ -z $promtool && -x $local_promtool ]]; then
	promtool=$local_promtool
fi
if [[ -z $promtool ]]; then
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		fail "promtool is missing and apt-get cannot fetch it: install Prometheus' promtool and set PROMTOOL"
	download=$(mktemp -d)
	trap 'rm -rf "$download"' EXIT
	echo "promtool: downloading Debian's prometheus package to extract promtool into .e2e/promtool/bin"
	(cd "$download" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus; }; }) ||
		fail "apt-get could not download the prometheus package"
	dpkg-deb -x "$download"/prometheus_*.deb "$download/extracted"
	mkdir -p "$(dirname "$local_promtool")"
	install -m 0755 "$download/extracted/usr/bin/promtool" "$local_promtool"
	promtool=$local_promtool
fi

"$promtool" --version 2>&1 | head -n 1
"$promtool" check rules alerts/llmcost.rules.yml
(cd alerts/tests && "$promtool" test rules ./*.test.yml)
