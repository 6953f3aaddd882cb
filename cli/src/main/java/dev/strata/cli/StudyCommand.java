package dev.strata.cli;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.plan.Executor;
import dev.strata.plan.ExecutorProviders;
import dev.strata.plan.ExecutorSettings;
import dev.strata.results.StudyResult;
import dev.strata.store.Pooling;
import dev.strata.store.StoreMismatchException;
import dev.strata.study.Study;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strata study}: from models and a corpus to report.html in one command, reusing whatever is already done. */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = {"Extract, k-NN and compare every pair of models over one corpus, then write report.html.",
                "Resumable: models already extracted and k-NN tables already computed are reused;",
                "a killed study continues where it stopped.",
                "Writes into --out: models/<name>/, pairs/<a>__<b>/, study.json, report.html and report/."})
public final class StudyCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL.gguf",
            description = "a GGUF model; repeat for each model (names come from the file names)")
    List<Path> models;

    @Mixin
    CorpusOptions corpus;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "study directory")
    Path out;

    @Option(names = "--pooling", defaultValue = "last", paramLabel = "last|mean|mean-skip-first",
            description = "one vector per prompt: the last token's (default, the paper's), the mean, or the mean without"
                    + " the first token (BOS where the model adds one), which the plain mean is dominated by")
    Pooling pooling;

    @Option(names = "-k", defaultValue = "10", paramLabel = "K", description = "neighbours per prompt (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--k-max", defaultValue = "100", paramLabel = "K",
            description = "one extra k-NN pass at this k gives the k sensitivity (k = 1, 10, 50, 100 up to it; at most"
                    + " n-1 is used) (default ${DEFAULT-VALUE})")
    int kMax;

    @Mixin
    ViewOption view;

    @Mixin
    ExtractionOptions extraction;

    @Mixin
    DeviceOption device;

    @Option(names = "--control", split = ",", paramLabel = "untrained|random-strings",
            description = "add a control (repeat the option or join with ',' for both): 'untrained' adds a random-weight"
                    + " twin of every model; 'random-strings' runs the same study on as many strings of random characters"
                    + " (in controls/random-strings/) and shows it beside the result")
    List<Study.Control> controls = List.of();

    @Mixin
    PermutationOptions permutation;

    @Option(names = "--on-model-error", defaultValue = "stop", paramLabel = "stop|skip",
            description = "when a model cannot be extracted (llama.cpp refuses or aborts on it, or its activations are not"
                    + " finite): stop the study (default), or skip the model, name it in the report and go on")
    Study.OnModelError onModelError;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "run the extractions and k-NN tables as tasks on Apache Spark at MASTER (spark://HOST:PORT,"
                    + " local[N], ...); --out must be a folder every Spark worker can read and write")
    String spark;

    @Option(names = "--shard-prompts", defaultValue = "0", paramLabel = "N",
            description = "split each model's extraction into tasks of about N prompts (whole batches), which --spark"
                    + " runs in parallel; the activations are the same bytes either way (default 0: one task per model)")
    int shardPrompts;

    @Option(names = "--quiet", description = "no progress on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (k < 1) throw new IllegalArgumentException("-k must be at least 1, got " + k);
        if (shardPrompts < 0) throw new IllegalArgumentException("--shard-prompts must be 0 or more, got " + shardPrompts);
        ExtractOptions extract = extraction.toOptions();
        Study.Options options = new Study.Options(pooling, k, kMax, view.kind, extract,
                device.device, extraction.threads(), Set.copyOf(controls), permutation.resamples(), permutation.seed,
                Main.version(), onModelError).withNullPermutations(permutation.nullPermutations())
                .withShardPrompts(shardPrompts);
        Corpus prompts = corpus.load();
        if (k > prompts.size() - 1) {
            throw new IllegalArgumentException("-k " + k + " needs at least " + (k + 1) + " prompts; the corpus has "
                    + prompts.size());
        }
        long started = System.nanoTime();
        StudyResult result;
        try {
            result = spark == null ? runHere(prompts, options) : runOnSpark(prompts, options);
        } catch (StoreMismatchException e) {
            // A study resumes what its --out holds; only another --out (or emptying this one) starts over.
            throw new StoreMismatchException(e.getMessage() + " (use another --out, or empty this one, to start over)");
        }
        if (!quiet) {
            System.err.printf(Locale.ROOT, "study: %d models%s, %d pairs in %s -> %s%n", result.models().size(),
                    result.skipped().isEmpty() ? "" : " (" + result.skipped().size() + " skipped)", result.pairs().size(),
                    ProgressLine.clock((System.nanoTime() - started) / 1e9), result.report());
        }
        return 0;
    }

    private StudyResult runHere(Corpus prompts, Study.Options options) throws IOException {
        try (Extraction runner = extraction.extraction(Main.version())) {
            return Study.run(models, prompts, out, options, runner, new Listener(quiet));
        }
    }

    /**
     * Connects before anything is written, so that a master that cannot be reached leaves --out as it was. Paths go
     * to the tasks absolute: Spark's executors run in working folders of their own.
     */
    private StudyResult runOnSpark(Corpus prompts, Study.Options options) throws IOException {
        try (Executor executor = ExecutorProviders.open(spark, new ExecutorSettings(Main.version(), extraction.threads()))) {
            return Study.run(models.stream().map(Path::toAbsolutePath).toList(), prompts, out.toAbsolutePath(),
                    options, executor, new Listener(quiet));
        }
    }

    /** Stage lines and extraction progress on stderr, nothing when quiet. */
    private static final class Listener implements Study.Listener {
        private final boolean quiet;
        private ProgressLine line;

        Listener(boolean quiet) {
            this.quiet = quiet;
        }

        @Override
        public void stage(String text) {
            if (!quiet) System.err.println("study: " + text);
        }

        @Override
        public Extractor.Progress extraction(String model) {
            line = new ProgressLine(quiet, "extract " + model);
            return line::update;
        }

        @Override
        public void extractionDone() {
            if (line != null) line.done();
        }
    }
}
