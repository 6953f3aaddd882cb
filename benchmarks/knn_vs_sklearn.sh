#!/usr/bin/env bash
# Builds strata's benchmarks and a numpy + scikit-learn venv (build/bench-venv), then runs knn_vs_sklearn.py.
# Extra arguments go to the script, e.g. --n 2048,8192 --dim 512 or --smoke.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
: "${JAVA_HOME:=$(cli/src/main/sh/find-jdk.sh)}"
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
[ -n "${STRATA_SKIP_BUILD:-}" ] || mvn -B -q -pl benchmarks -am package -DskipTests
venv="$root/build/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import numpy, sklearn' 2>/dev/null || "$venv/bin/pip" install -q numpy scikit-learn
cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
exec "$venv/bin/python" benchmarks/knn_vs_sklearn.py --java "$JAVA_HOME/bin/java" --classpath "$cp" "$@"
