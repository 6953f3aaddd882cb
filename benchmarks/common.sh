# The arguments every benchmark script takes, `[--smoke] CORPUS MODEL.gguf [MODEL.gguf ...]`, read once:
#   source "$(dirname "$0")/common.sh" "$@"
# leaves the shell in the project root ($root) with smoke (0 or 1), corpus and models (as given) set.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
corpus=$1; shift
models=("$@")

# The JMH/plain-Java benchmarks' jars: sets java_home and cp, building them first unless STRATA_SKIP_BUILD is set.
benchmark_jars() {
  java_home=$(cli/src/main/sh/find-jdk.sh)
  export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
  if [ -z "${STRATA_SKIP_BUILD:-}" ]; then
    make -s build >/dev/null
    JAVA_HOME=$java_home mvn -B -q -pl benchmarks -am package -DskipTests
  fi
  cp="$root/benchmarks/target/strata-benchmarks-0.1.0.jar:$root/benchmarks/target/lib/*"
}

# A scratch folder removed on exit ($work) holding the first N prompts of $corpus, which then names that copy.
work_on_first_prompts() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  head -n "$1" "$corpus" > "$work/corpus.${corpus##*.}"
  corpus="$work/corpus.${corpus##*.}"
}
