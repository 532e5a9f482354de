#!/usr/bin/env bash
# Installs rulecheck, `promtool check rules` without the rest of promtool, into $MELDTOWN_HOME/rulecheck-<version>/bin.
# It is a small wrapper module (written below) over Prometheus's own rule-file parser and validator,
# github.com/prometheus/prometheus/model/rulefmt (module v0.316.0 is Prometheus 3.16.0), with promtool's parser
# options, UTF-8 name validation and output ("Checking FILE", "  SUCCESS: N rules found", "  FAILED:" + errors, exit
# 1). promtool itself links Prometheus's service discovery (the Kubernetes, AWS, Azure and GCP clients): its cold
# build took 4,927 s on the shared machine, this one compiles the parser, the PromQL engine and the template package.
# Not carried over: promtool's duplicate-rule lint, a warning that does not fail `promtool check rules` by default.
# Idempotent: an existing binary of the pinned version is kept. Prints the binary's path on stdout (acceptance
# MonitoringAsCodeTest runs this script and uses that line).
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib.sh"
hold_install_lock rulecheck

PROMETHEUS_MODULE_VERSION=0.316.0
dir="$MELDTOWN_HOME/rulecheck-$PROMETHEUS_MODULE_VERSION"
if [ ! -x "$dir/bin/rulecheck" ] || ! "$dir/bin/rulecheck" --version >/dev/null 2>&1; then
  t=$SECONDS
  log "building rulecheck (Prometheus module v$PROMETHEUS_MODULE_VERSION model/rulefmt, wrapper module from the Go module proxy)"
  src="$dir/src"; mkdir -p "$src"
  cat > "$src/go.mod" <<MOD
module meldtown.dev/rulecheck

go 1.26

require github.com/prometheus/prometheus v$PROMETHEUS_MODULE_VERSION
MOD
  cat > "$src/main.go" <<'GO'
// rulecheck: `promtool check rules FILE...` through Prometheus's own rulefmt.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

const version = "rulecheck (github.com/prometheus/prometheus VERSION model/rulefmt)"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(version)
		return
	}
	if len(os.Args) < 4 || os.Args[1] != "check" || os.Args[2] != "rules" {
		fmt.Fprintln(os.Stderr, "usage: rulecheck check rules FILE...")
		os.Exit(2)
	}
	model.NameValidationScheme = model.UTF8Validation
	p := parser.NewParser(parser.Options{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	failed := false
	for _, f := range os.Args[3:] {
		fmt.Println("Checking", f)
		rgs, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, p, logger)
		if errs != nil {
			failed = true
			fmt.Fprintln(os.Stderr, "  FAILED:")
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, e.Error())
			}
			fmt.Println()
			continue
		}
		n := 0
		for _, g := range rgs.Groups {
			n += len(g.Rules)
		}
		fmt.Printf("  SUCCESS: %d rules found\n", n)
		fmt.Println()
	}
	if failed {
		os.Exit(1)
	}
}
GO
  sed -i "s/VERSION/v$PROMETHEUS_MODULE_VERSION/" "$src/main.go"
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go_build build -trimpath -o "$dir/bin.partial/rulecheck" .)
  rm -rf "$dir/bin" && mv "$dir/bin.partial" "$dir/bin"
  log "rulecheck built in $((SECONDS - t)) s"
fi
echo "$dir/bin/rulecheck"
