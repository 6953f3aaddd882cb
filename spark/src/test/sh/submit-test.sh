#!/usr/bin/env bash
# make test-submit: strata submitted to Spark as an application, the way `spark-submit` of an existing Spark
# installation runs it (bin/spark-submit starts `java -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit`
# with Spark's JVM options and --driver-java-options; here that command is run directly, on Spark's jars alone, with
# strata's jars given as --jars), must write what a single-machine study writes. The README's spark-submit command
# is this one. KEEP=1 keeps the work folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$root"
[[ -x bin/strata && -f spark/target/strata-spark-0.1.0.jar ]] || { echo "submit-test: run make spark first" >&2; exit 1; }
java=${JAVA_HOME:-$(cli/src/main/sh/find-jdk.sh)}/bin/java
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-submit.XXXXXX")
cleanup() {
  if [[ -n "${KEEP:-}" ]]; then echo "submit-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A Spark installation's jars: spark/target/spark-home/jars without what strata brings itself (its own jars and the
# libraries only strata uses), so that nothing of strata is on Spark's class path.
mkdir -p "$work/spark/jars"
for jar in spark/target/spark-home/jars/*.jar; do
  name=$(basename "$jar")
  [[ "$name" == strata-* || ("$name" != jackson-core-* && -f cli/target/lib/$name) ]] && continue
  ln -s "$root/$jar" "$work/spark/jars/$name"
done
export SPARK_HOME=$work/spark SPARK_SCALA_VERSION=2.13

study=(--model "$root/models/smollm2-135m-instruct-q4_1.gguf" --model "$root/models/gemma3-270m-q4_k_m.gguf"
  --corpus default --n 12 --max-tokens 32 -k 5 --quiet)
bin/strata study "${study[@]}" --out "$work/local" >"$work/local.log" 2>&1 \
  || { cat "$work/local.log" >&2; exit 1; }

# What bin/spark-submit runs for the README's command, in client mode: Spark's JVM options (the launcher's
# JavaModuleOptions) and the README's --driver-java-options (java-options holds both, but -Xss4m and the native folder).
"$java" @spark/src/main/sh/java-options -Xss4m \
  -Dstrata.native.dir="$root/build/native/cpu/lib" -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master 'local[2]' --class dev.strata.cli.Main \
  --jars "spark/target/strata-spark-0.1.0.jar,$(ls cli/target/lib/*.jar | grep -v jackson-core | paste -sd,)" \
  cli/target/strata-cli-0.1.0.jar study "${study[@]}" --shard-prompts 6 --out "$work/submitted" --spark 'local[2]' \
  >"$work/submitted.log" 2>&1 || { cat "$work/submitted.log" >&2; echo "submit-test: the submitted study failed" >&2; exit 1; }
ls "$work/submitted"/corpus-*.jsonl >/dev/null 2>&1 \
  || { echo "submit-test: the submitted study ran no task on Spark (no corpus copy for its tasks)" >&2; exit 1; }
echo "submit-test: $(spark/src/test/sh/same-study.sh "$work/local" "$work/submitted")"
