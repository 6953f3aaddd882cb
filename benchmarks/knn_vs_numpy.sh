#!/usr/bin/env bash
# Builds strata's benchmarks and a numpy venv (build/bench-venv), then runs knn_vs_numpy.py.
# Extra arguments go to the script, e.g. --n 4096 --dim 512.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mvn -B -q -pl benchmarks -am package -DskipTests
venv="$root/build/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q numpy
fi
cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
exec "$venv/bin/python" "$root/benchmarks/knn_vs_numpy.py" --java "$JAVA_HOME/bin/java" --classpath "$cp" "$@"
