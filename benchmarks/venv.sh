#!/usr/bin/env bash
# Builds the benchmarks jar (unless STRATA_SKIP_BUILD is set), makes sure build/bench-venv has the pip packages
# named, then runs a benchmark script there with --java and --classpath pointing at strata.
#   benchmarks/venv.sh "numpy scikit-learn" knn_vs_sklearn.py [script options, e.g. --smoke]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
packages=$1 script=$2
shift 2
: "${JAVA_HOME:=$(cli/src/main/sh/find-jdk.sh)}"
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
[ -n "${STRATA_SKIP_BUILD:-}" ] || mvn -B -q -pl benchmarks -am package -DskipTests
venv="$root/build/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# pip names and import names differ for scikit-learn only.
imports=$(echo "$packages" | sed 's/scikit-learn/sklearn/g; s/ /, /g')
"$venv/bin/python" -c "import $imports" 2>/dev/null || "$venv/bin/pip" install -q $packages
cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
exec "$venv/bin/python" "benchmarks/$script" --java "$JAVA_HOME/bin/java" --classpath "$cp" "$@"
