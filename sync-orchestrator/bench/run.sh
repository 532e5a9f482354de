#!/usr/bin/env bash
# Benchmark (issue 4): orchestrator engine sync vs the raw dolt CLI (fetch+merge+push) on the same towns, plus
# mesh rounds over 5 towns. Starts its own dolt sql-server towns with the testkit (needs the dolt binary of
# scripts/install/dolt.sh); prints a Markdown table.
#   sync-orchestrator/bench/run.sh [iterations=15] [meshRounds=3]
# Set MVN_OFFLINE=-o to build without the network.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn=("$root/mvnw" -q -B ${MVN_OFFLINE:-} -pl sync-orchestrator)
"${mvn[@]}" test-compile >/dev/null
"${mvn[@]}" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="sync-orchestrator/target/test-classes:sync-orchestrator/target/classes:$(cat sync-orchestrator/target/bench.classpath)"
exec java -cp "$cp" dev.meldtown.sync.bench.SyncBench "${1:-15}" "${2:-3}"
