#!/usr/bin/env bash
# Installs the backends the end-to-end tests (tests/e2e) ship to, under .e2e/ of the repository:
#
#   .e2e/phoenix-venv/        Arize Phoenix, in its own virtual environment (it pulls in provider SDKs,
#                             which must not mix with the project's)
#   .e2e/victoria-metrics/    VictoriaMetrics' single-node binary, from Debian trixie's victoria-metrics
#                             package (bookworm's 1.79 predates OTLP ingestion, added in 1.92); fetched with
#                             apt-get through a private apt configuration under .e2e/apt/, so the machine's
#                             apt sources and installed packages are left as they are
#   .e2e/logs/                what the installs printed
#
# Idempotent: what is installed already (a stamp file names what) is kept, and a second run changes nothing.
# Needs: python3 with venv (or PYTHON=...), apt-get and dpkg-deb (Debian or Ubuntu), and the registries.
# Elsewhere: install Phoenix and VictoriaMetrics (>= 1.92) yourself and point the tests at them with
# OTEL_LLMCOST_E2E_PHOENIX=/path/to/bin/phoenix and OTEL_LLMCOST_E2E_VICTORIA_METRICS=/path/to/victoria-metrics.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
# Pinned: the tests check Phoenix's own prices and REST/GraphQL answers, which may change between releases.
PHOENIX_SPEC=${PHOENIX_SPEC:-arize-phoenix==20.26.1}
VM_SUITE=${VM_SUITE:-trixie}
VM_MIN_VERSION=1.92

E2E=$PWD/.e2e
LOGS=$E2E/logs
mkdir -p "$LOGS"

fail() {
	echo "scripts/e2e/setup.sh: $*" >&2
	exit 1
}

seconds() { date +%s; }

install_phoenix() {
	local venv=$E2E/phoenix-venv stamp=$E2E/phoenix-venv/.installed log=$LOGS/phoenix-install.log
	if [[ -f $stamp && $(cat "$stamp") == "$PHOENIX_SPEC" && -x $venv/bin/phoenix ]]; then
		echo "phoenix: $PHOENIX_SPEC already installed in .e2e/phoenix-venv"
		return
	fi
	local start
	start=$(seconds)
	echo "phoenix: installing $PHOENIX_SPEC into .e2e/phoenix-venv (log: .e2e/logs/phoenix-install.log)"
	rm -rf "$venv"
	{
		"$PYTHON" -m venv "$venv" &&
			"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip &&
			"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$PHOENIX_SPEC"
	} >"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		fail "installing $PHOENIX_SPEC failed (see .e2e/logs/phoenix-install.log)"
	}
	[[ -x $venv/bin/phoenix ]] || fail "$PHOENIX_SPEC installed no phoenix command"
	echo "$PHOENIX_SPEC" >"$stamp"
	echo "phoenix: installed in $(($(seconds) - start)) s, $(du -sh "$venv" | cut -f1)"
}

install_victoria_metrics() {
	local dir=$E2E/victoria-metrics apt=$E2E/apt log=$LOGS/victoria-metrics-install.log
	local binary=$dir/bin/victoria-metrics stamp=$dir/.installed
	if [[ -f $stamp && -x $binary ]]; then
		echo "victoria-metrics: $(cat "$stamp") already installed in .e2e/victoria-metrics"
		return
	fi
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		fail "apt-get and dpkg-deb are needed to fetch victoria-metrics; install VictoriaMetrics >= $VM_MIN_VERSION yourself and set OTEL_LLMCOST_E2E_VICTORIA_METRICS"
	local start
	start=$(seconds)
	echo "victoria-metrics: fetching Debian $VM_SUITE's package (log: .e2e/logs/victoria-metrics-install.log)"
	rm -rf "$dir" "$apt"
	mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/download" "$dir/bin"
	cat >"$apt/sources/debian-$VM_SUITE.sources" <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: $VM_SUITE
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# Only this configuration's sources, lists and cache; no installed-package state: nothing is installed.
	local options=(
		-o "Dir::Etc::SourceList=/dev/null"
		-o "Dir::Etc::SourceParts=$apt/sources"
		-o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache=$apt/cache"
		-o "Dir::State::status=/dev/null"
		-o "APT::Sandbox::User=$(id -un)"
		-o "Acquire::Retries=3"
	)
	{
		apt-get "${options[@]}" update &&
			(cd "$apt/download" && apt-get "${options[@]}" download victoria-metrics)
	} >"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		fail "fetching victoria-metrics from Debian $VM_SUITE failed (see .e2e/logs/victoria-metrics-install.log)"
	}
	local deb version
	deb=$(find "$apt/download" -name 'victoria-metrics_*.deb' | head -n 1)
	[[ -n $deb ]] || fail "apt-get downloaded no victoria-metrics package"
	version=$(dpkg-deb -f "$deb" Version)
	dpkg --compare-versions "$version" ge "$VM_MIN_VERSION" ||
		fail "victoria-metrics $version from Debian $VM_SUITE has no OTLP ingestion (needs >= $VM_MIN_VERSION)"
	dpkg-deb -x "$deb" "$apt/extracted"
	install -m 0755 "$apt/extracted/usr/bin/victoria-metrics" "$binary"
	cp "$apt/extracted/usr/share/doc/victoria-metrics/copyright" "$dir/copyright"
	# The binary links the system's libzstd and libc; a missing or too old library shows here, not in a test.
	"$binary" -version >>"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		fail "the victoria-metrics binary does not run on this machine (see .e2e/logs/victoria-metrics-install.log)"
	}
	rm -rf "$apt"
	echo "$version (Debian $VM_SUITE)" >"$stamp"
	echo "victoria-metrics: $version installed in $(($(seconds) - start)) s, $(du -sh "$dir" | cut -f1)"
}

# `setup.sh phoenix` installs Phoenix only (what `make demo` needs), `setup.sh victoria-metrics` VictoriaMetrics
# only; no argument installs both.
case "${1:-all}" in
phoenix) install_phoenix ;;
victoria-metrics) install_victoria_metrics ;;
all)
	install_phoenix
	install_victoria_metrics
	echo "e2e backends ready in .e2e/ ($(du -sh "$E2E" | cut -f1)); run scripts/e2e/run.sh"
	;;
*) fail "unknown argument '$1': give 'phoenix', 'victoria-metrics' or nothing" ;;
esac
