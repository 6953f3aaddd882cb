#!/usr/bin/env bash
# Builds strata's benchmarks and a numpy venv (build/bench-venv), then runs compare_all_pairs.py.
# Extra arguments go to the script, e.g. --models 10 --layers 30 --n 2048 or --smoke.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
: "${JAVA_HOME:=$(cli/src/main/sh/find-jdk.sh)}"
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
[ -n "${STRATA_SKIP_BUILD:-}" ] || mvn -B -q -pl benchmarks -am package -DskipTests
venv="$root/build/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import numpy' 2>/dev/null || "$venv/bin/pip" install -q numpy
cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
exec "$venv/bin/python" benchmarks/compare_all_pairs.py --java "$JAVA_HOME/bin/java" --classpath "$cp" "$@"
