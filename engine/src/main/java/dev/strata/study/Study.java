package dev.strata.study;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.bindings.Llama;
import dev.strata.compare.Calibration;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.Comparisons;
import dev.strata.compare.NeighbourTable;
import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelFamily;
import dev.strata.gguf.UntrainedModel;
import dev.strata.io.AtomicFile;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.LayerView;
import dev.strata.plan.Executor;
import dev.strata.plan.ExtractionTask;
import dev.strata.plan.KnnLayerTask;
import dev.strata.plan.KnnTable;
import dev.strata.plan.LocalExecutor;
import dev.strata.plan.ShardTask;
import dev.strata.plan.StageProgress;
import dev.strata.plan.Task;
import dev.strata.report.StudyReport;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.Model;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Sensitivity;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The whole study in one call (what it produces is a {@link StudyResult}): for every model, extract (resumable) and
 * k-NN of one pooling, as tasks of an {@link Executor} ({@link StudyPlan}), then here the mutual k-NN matrix of every
 * model with itself and with every other model, each pair's statistics, {@code study.json} and
 * {@code report.html}. Every step that has already been done (same inputs) is reused, so a second run is quick and a
 * killed run continues.
 *
 * <pre>
 * OUT/models/&lt;model&gt;/              activations (Extractor) and knn-&lt;pooling&gt;-k&lt;K&gt;.npy (+ .json sidecar)
 * OUT/corpus-&lt;sha256&gt;.jsonl         the corpus, for tasks on other machines (an executor that sends them there)
 * OUT/controls/&lt;model&gt;-untrained.gguf  untrained controls (with --control untrained)
 * OUT/pairs/&lt;a&gt;__&lt;b&gt;/              similarity.npy/.csv, summary.json, heatmap.png (ComparisonWriter)
 * OUT/study.json, OUT/report.html, OUT/report/*.png
 * </pre>
 */
public final class Study {
    public static final String MODELS = "models";
    public static final String PAIRS = "pairs";
    public static final String CONTROLS = "controls";
    public static final String STUDY_JSON = "study.json";

    /**
     * What the study can add to compare the models against: untrained twins of the models, and the same study on the
     * paper's random strings ({@link RandomStringsControl}); a study may add both.
     */
    public enum Control {
        UNTRAINED, RANDOM_STRINGS;

        /** The word the outputs and the command line use: "untrained" or "random-strings". */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses a {@link #label()} (any case). */
        public static Control parse(String text) {
            for (Control control : values()) {
                if (control.label().equalsIgnoreCase(text.strip())) return control;
            }
            throw new IllegalArgumentException("unknown control '" + text + "' (expected untrained or random-strings)");
        }

        /** How the outputs name a set of controls: their labels in this enum's order joined by ",", or "none". */
        public static String label(Set<Control> controls) {
            if (controls.isEmpty()) return "none";
            return String.join(",", EnumSet.copyOf(controls).stream().map(Control::label).toList());
        }
    }

    /**
     * What the study does with a model it cannot extract: one that llama.cpp refuses or aborts on, or whose activations
     * are not finite. STOP ends the study with the model's error; SKIP leaves the model out, names it and why in
     * study.json and the report, and goes on with the others.
     */
    public enum OnModelError { STOP, SKIP }

    /**
     * How to run.
     *
     * @param kMax       the k of the extra k-NN pass the k sensitivity comes from (at most n - 1 is used)
     * @param knnThreads CPU threads for k-NN (0: all)
     * @param resamples  shuffles per block permutation test
     * @param seed       seed of the permutation tests and of the untrained controls
     * @param version    strata's version, recorded in the outputs
     * @param nullPermutations shuffles of the prompt correspondence for the calibrated scores (0: none)
     * @param shardPrompts each model's extraction is split into tasks of the batches that begin in each run of this
     *                   many prompts (0: one task per model)
     */
    public record Options(Pooling pooling, int k, int kMax, LayerView.Kind view, ExtractOptions extract,
                          KnnBackends.Device device, int knnThreads, Set<Control> controls, int resamples, long seed, String version,
                          OnModelError onModelError, int nullPermutations, int shardPrompts) {
        public Options {
            Objects.requireNonNull(pooling);
            Objects.requireNonNull(view);
            Objects.requireNonNull(onModelError);
            controls = controls.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(controls));
            if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
            if (kMax < 1) throw new IllegalArgumentException("k_max must be at least 1, got " + kMax);
            if (resamples < 1) throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
            if (nullPermutations < 0) {
                throw new IllegalArgumentException("null permutations must be at least 0, got " + nullPermutations);
            }
            if (shardPrompts < 0) throw new IllegalArgumentException("shard prompts must be 0 or more, got " + shardPrompts);
        }

        /** Options with the default number of shuffles for the calibration and one extraction task per model. */
        public Options(Pooling pooling, int k, int kMax, LayerView.Kind view, ExtractOptions extract,
                KnnBackends.Device device, int knnThreads, Set<Control> controls, int resamples, long seed, String version,
                OnModelError onModelError) {
            this(pooling, k, kMax, view, extract, device, knnThreads, controls, resamples, seed, version, onModelError,
                    Calibration.DEFAULT_PERMUTATIONS, 0);
        }

        /** These options with {@code permutations} shuffles for the calibration (0: none). */
        public Options withNullPermutations(int permutations) {
            return new Options(pooling, k, kMax, view, extract, device, knnThreads, controls, resamples, seed, version,
                    onModelError, permutations, shardPrompts);
        }

        /** These options, with extractions split into shards of {@code prompts} prompts (0: none). */
        public Options withShardPrompts(int prompts) {
            return new Options(pooling, k, kMax, view, extract, device, knnThreads, controls, resamples, seed, version,
                    onModelError, nullPermutations, prompts);
        }

        /** These options with {@code controls} instead. */
        public Options withControls(Set<Control> controls) {
            return new Options(pooling, k, kMax, view, extract, device, knnThreads, controls, resamples, seed, version,
                    onModelError, nullPermutations, shardPrompts);
        }
    }

    /** Where progress goes. All methods may be called from the study's thread only. */
    public interface Listener {
        /** One line about a stage starting, finishing or being reused. */
        void stage(String line);

        /** Per-batch progress of one model's extraction. */
        Extractor.Progress extraction(String model);

        /** The extraction of the model last passed to {@link #extraction} has ended. */
        default void extractionDone() {}
    }

    private Study() {}

    /**
     * Runs the study of {@code modelFiles} over {@code corpus} into {@code out} in this process, the llama.cpp work
     * through {@code extraction} (a worker process, so that a model llama.cpp aborts on can be skipped), which stays
     * the caller's.
     */
    public static StudyResult run(List<Path> modelFiles, Corpus corpus, Path out, Options options,
            Extraction extraction, Listener listener) throws IOException {
        Executor local = new LocalExecutor(extraction, options.extract().threads());
        return run(modelFiles, corpus, out, options, local, listener);
    }

    /**
     * Runs the study of {@code modelFiles} over {@code corpus} into {@code out}: the extractions and k-NN tables as
     * tasks of {@code executor} (see {@link StudyPlan}), the comparisons, statistics and report here.
     */
    public static StudyResult run(List<Path> modelFiles, Corpus corpus, Path out, Options options, Executor executor,
            Listener listener) throws IOException {
        if (modelFiles.isEmpty()) throw new IllegalArgumentException("a study needs at least one model");
        if (options.k() > corpus.size() - 1) {
            throw new IllegalArgumentException("k = " + options.k() + " needs at least " + (options.k() + 1)
                    + " prompts; the corpus has " + corpus.size());
        }
        for (Path file : modelFiles) {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such model file: " + file);
        }
        Files.createDirectories(out);
        CorpusSource forTasks = executor.corpusForTasks(corpus, out);
        List<SkippedModel> skipped = new ArrayList<>();
        Map<Model, ExtractionTask.Done> extracted = new LinkedHashMap<>();
        extract(name(modelFiles), corpus, forTasks, out, options, executor, listener, extracted, skipped);

        double controlsSeconds = 0;
        if (options.controls().contains(Control.UNTRAINED)) {
            long started = System.nanoTime();
            List<Model> controls = new ArrayList<>();
            for (Model real : List.copyOf(extracted.keySet())) {
                controls.add(writeControl(real, activations(out, real, options), out, options, listener));
            }
            controlsSeconds = since(started);
            extract(controls, corpus, forTasks, out, options, executor, listener, extracted, skipped);
        }
        if (extracted.isEmpty()) {
            throw new IOException("no model could be extracted: " + String.join("; ", skipped.stream()
                    .map(m -> m.model().file() + ": " + m.reason()).toList()));
        }

        List<Model> models = List.copyOf(extracted.keySet());
        List<Table> tables = knn(StudyPlan.knn(models, corpus, out, options, executor.knnBlockRows()), executor,
                listener);

        Map<String, Double> seconds = new LinkedHashMap<>();
        List<ModelResult> results = new ArrayList<>();
        int tablesPerModel = StudyPlan.ks(options, corpus).size();
        boolean controlsTimed = !options.controls().contains(Control.UNTRAINED);
        for (int m = 0; m < models.size(); m++) {
            Model model = models.get(m);
            if (model.isControl() && !controlsTimed) {
                seconds.put("controls: write", controlsSeconds);
                controlsTimed = true;
            }
            ExtractionTask.Done extraction = extracted.get(model);
            seconds.put("extract: " + model.name(), extraction.seconds());
            Table knn = tables.get(m * tablesPerModel);
            seconds.put("knn: " + model.name(), knn.seconds());
            if (tablesPerModel > 1) {
                Table second = tables.get(m * tablesPerModel + 1);
                seconds.put("knn: " + model.name() + " (k = " + second.k() + ")", second.seconds());
            }
            results.add(result(model, out, options, extraction, knn));
        }
        if (!controlsTimed) seconds.put("controls: write", controlsSeconds);

        long started = System.nanoTime();
        List<Pair> pairs = compare(results, out, options, listener);
        seconds.put("compare: " + pairs.size() + " pairs", since(started));
        started = System.nanoTime();
        Sensitivity sensitivity = Sensitivities.compute(results, pairs, kMax(options, corpus), options, listener);
        seconds.put("sensitivity", since(started));
        started = System.nanoTime();
        List<BagOfTokensRow> bagOfTokens = BagOfTokensBaseline.compute(results, corpus, forTasks, options, executor,
                listener);
        seconds.put("bag of tokens", since(started));
        StudyResult randomStrings = null;
        if (options.controls().contains(Control.RANDOM_STRINGS)) {
            started = System.nanoTime();
            randomStrings = RandomStringsControl.run(modelFiles, corpus.size(), out, options, executor, listener);
            seconds.put("control: random strings", since(started));
        }

        Path studyJson = out.resolve(STUDY_JSON);
        Path report = out.resolve(StudyReport.HTML);
        StudyResult result = new StudyResult(out, corpus.name(), corpus.sha256(), corpus.size(), settings(options),
                List.copyOf(results), List.copyOf(skipped), pairs, sensitivity, bagOfTokens, randomStrings, seconds, studyJson,
                report);
        started = System.nanoTime();
        listener.stage("report: writing " + report);
        StudyReport.write(result);
        seconds.put("report", since(started));
        StudyJson.write(result);
        listener.stage("done: " + report + " and " + studyJson);
        return result;
    }

    /**
     * Extracts {@code models} through the executor, in shards first when the options ask for them; each one extracted
     * goes into {@code extracted}, each one that failed (when the options say to skip such models) into
     * {@code skipped}.
     *
     * @param forTasks where the tasks find {@code corpus}
     */
    private static void extract(List<Model> models, Corpus corpus, CorpusSource forTasks, Path out, Options options,
            Executor executor, Listener listener, Map<Model, ExtractionTask.Done> extracted, List<SkippedModel> skipped)
            throws IOException {
        List<ShardTask> shardTasks = StudyPlan.shards(models, corpus, forTasks, out, options);
        Map<String, List<ExtractionTask.Done>> shardsByModel = new LinkedHashMap<>();
        if (!shardTasks.isEmpty()) {
            List<ExtractionTask.Done> done = runExtractions(executor, "extract shards", "extract", shardTasks,
                    shardTasks.stream().map(ShardTask::label).toList(), listener);
            for (int t = 0; t < shardTasks.size(); t++) {
                shardsByModel.computeIfAbsent(shardTasks.get(t).model(), m -> new ArrayList<>()).add(done.get(t));
            }
        }
        List<Model> toMerge = new ArrayList<>();
        for (Model model : models) {
            List<ExtractionTask.Done> shards = shardsByModel.getOrDefault(model.name(), List.of());
            shards.stream().filter(ExtractionTask.Done::failed).findFirst()
                    .ifPresentOrElse(failed -> skipped.add(new SkippedModel(model, failed.failure())),
                            () -> toMerge.add(model));
        }
        List<ExtractionTask> tasks = StudyPlan.extraction(toMerge, forTasks, out, options);
        // After shards, a model's extraction mostly merges them: it decodes only what no shard holds.
        List<ExtractionTask.Done> done = runExtractions(executor, "extract", shardTasks.isEmpty() ? "extract" : "merge",
                tasks, tasks.stream().map(ExtractionTask::model).toList(), listener);
        for (int m = 0; m < toMerge.size(); m++) {
            Model model = toMerge.get(m);
            if (done.get(m).failed()) {
                skipped.add(new SkippedModel(model, done.get(m).failure()));
            } else {
                extracted.put(model, withShards(done.get(m), shardsByModel.getOrDefault(model.name(), List.of())));
            }
        }
    }

    /** A merged extraction with what its shards did: their tokens and time added, reused only if they all were. */
    private static ExtractionTask.Done withShards(ExtractionTask.Done merged, List<ExtractionTask.Done> shards) {
        long tokens = merged.tokens();
        int truncated = merged.truncated();
        double seconds = merged.seconds();
        boolean reused = merged.reused();
        for (ExtractionTask.Done shard : shards) {
            tokens += shard.tokens();
            truncated += shard.truncated();
            seconds += shard.seconds();
            reused &= shard.reused();
        }
        return new ExtractionTask.Done(merged.prompts(), tokens, truncated, seconds, reused, null);
    }

    /** @param verb what the stage's lines say each task did: "extract", or "merge" for merging shards */
    private static List<ExtractionTask.Done> runExtractions(Executor executor, String stage, String verb,
            List<? extends Task<ExtractionTask.Done>> tasks, List<String> labels, Listener listener) throws IOException {
        try {
            return executor.run(stage, tasks, new ExtractionProgress(labels, verb, listener));
        } finally {
            listener.extractionDone();
        }
    }

    /**
     * An extraction stage's progress, as the listener has it: per-batch progress of the task that runs (one at a time
     * here; a cluster reports whole tasks), then a line about each task with the stage's tasks done, tokens per
     * second across all of them and the time left at that pace.
     */
    private static final class ExtractionProgress implements StageProgress<ExtractionTask.Done> {
        private final List<String> labels;
        private final String verb;
        private final Listener listener;
        private final long started = System.nanoTime();
        private Extractor.Progress current = (done, total, tokens, nanos) -> {};
        private int finished;
        private long tokens;

        ExtractionProgress(List<String> labels, String verb, Listener listener) {
            this.labels = labels;
            this.verb = verb;
            this.listener = listener;
        }

        @Override
        public void started(int task) {
            current = listener.extraction(labels.get(task));
        }

        @Override
        public void batch(int task, int promptsDone, int promptsTotal, long tokens, long nanos) {
            current.update(promptsDone, promptsTotal, tokens, nanos);
        }

        @Override
        public void finished(int task, ExtractionTask.Done done) {
            listener.extractionDone();
            finished++;
            tokens += done.tokens();
            String label = labels.get(task);
            String line = done.failed() ? "skip " + label + ": " + done.failure()
                    : done.reused() ? verb + " " + label + ": reused"
                    : String.format(Locale.ROOT, "%s %s: %d prompts, %d tokens, %.1f s", verb, label,
                            done.prompts(), done.tokens(), done.seconds());
            if (labels.size() > 1) {
                double seconds = since(started);
                line += String.format(Locale.ROOT, " (%d/%d tasks, %.0f tok/s, %.0f s left)", finished, labels.size(),
                        seconds > 0 ? tokens / seconds : 0, seconds / finished * (labels.size() - finished));
            }
            listener.stage(line);
        }
    }

    /** A k-NN table of the study: reused, or computed in {@code seconds} (its layer tasks' time). */
    private record Table(int k, boolean reused, double seconds) {}

    /**
     * Computes the tables not up to date, one executor task per layer (or block of a layer's rows), and puts each
     * together from its parts. A line says when a table's last task is done, with the stage's tasks done and the time
     * left at that pace.
     */
    private static List<Table> knn(List<KnnTable> tables, Executor executor, Listener listener) throws IOException {
        List<KnnLayerTask> tasks = new ArrayList<>();
        List<Integer> tableOfTask = new ArrayList<>();
        int[] layersLeft = new int[tables.size()];
        for (int t = 0; t < tables.size(); t++) {
            KnnTable table = tables.get(t);
            if (table.upToDate()) {
                listener.stage("knn " + table.model() + ": reused " + table.knn().getFileName());
                continue;
            }
            List<KnnLayerTask> layers = table.tasks();
            tasks.addAll(layers);
            for (int l = 0; l < layers.size(); l++) tableOfTask.add(t);
            layersLeft[t] = layers.size();
        }
        long started = System.nanoTime();
        List<KnnLayerTask.Done> done = executor.run("knn", tasks, new StageProgress<>() {
            private int finished;

            @Override
            public void finished(int task, KnnLayerTask.Done result) {
                finished++;
                int table = tableOfTask.get(task);
                if (--layersLeft[table] > 0) return;
                double elapsed = since(started);
                listener.stage(String.format(Locale.ROOT, "knn %s k=%d: every layer done (%d/%d tasks, %.0f s left)",
                        tables.get(table).model(), tables.get(table).k(), finished, tasks.size(),
                        elapsed / finished * (tasks.size() - finished)));
            }
        });
        List<Table> written = new ArrayList<>();
        int next = 0;
        for (int t = 0; t < tables.size(); t++) {
            KnnTable table = tables.get(t);
            int first = next;
            while (next < tasks.size() && tableOfTask.get(next) == t) next++;
            if (first == next) {
                written.add(new Table(table.k(), true, 0));
                continue;
            }
            List<KnnLayerTask.Done> layers = done.subList(first, next);
            KnnRunner.Summary s = table.write(tasks.subList(first, next), layers, started);
            double seconds = layers.stream().mapToDouble(KnnLayerTask.Done::seconds).sum();
            listener.stage(String.format(Locale.ROOT, "knn %s: %d layers, n=%d, k=%d on %s, %.1f s", table.model(),
                    s.layers().size(), s.n(), s.k(), s.backend(), seconds));
            written.add(new Table(table.k(), false, seconds));
        }
        return written;
    }

    /** What the study knows of a model once its extraction and k-NN table are there. */
    private static ModelResult result(Model model, Path out, Options options, ExtractionTask.Done extraction,
            Table knn) throws IOException {
        Path dir = StudyPlan.modelDir(out, model);
        Path activations = activations(out, model, options);
        Path table = knnFile(dir, options, options.k());
        List<String> layers = NeighbourTable.read(table).withoutFirstLayer().labels();
        ModelFamily family;
        try (GgufFile gguf = GgufFile.open(model.file())) {
            family = ModelFamily.of(gguf);
        }
        return new ModelResult(model, dir, activations, table, layers, metadata(activations), extraction.reused(),
                extraction.seconds(), knn.reused(), knn.seconds(), family);
    }

    private static Path activations(Path out, Model model, Options options) {
        return StudyPlan.modelDir(out, model).resolve(options.pooling().fileName());
    }

    private static ActivationsMetadata metadata(Path activations) throws IOException {
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            return file.metadata();
        }
    }

    /** What the outputs record of the options. */
    private static Settings settings(Options o) {
        return new Settings(o.pooling(), o.k(), o.view(), o.extract().maxTokens(),
                Control.label(o.controls()), o.resamples(), o.seed(), o.version(), Llama.RELEASE, o.extract().chatTemplate());
    }

    /** Display names from file names (extension dropped), made unique with "-2", "-3", ...; slugs safe as directory names. */
    static List<Model> name(List<Path> files) {
        List<Model> models = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> slugs = new HashSet<>();
        for (Path file : files) {
            String base = file.getFileName().toString();
            int dot = base.lastIndexOf('.');
            if (dot > 0) base = base.substring(0, dot);
            String name = unique(base, names);
            String slug = unique(slug(name), slugs);
            models.add(new Model(name, slug, file, null));
        }
        return models;
    }

    private static String unique(String wanted, Set<String> taken) {
        String candidate = wanted;
        for (int i = 2; !taken.add(candidate); i++) candidate = wanted + "-" + i;
        return candidate;
    }

    static String slug(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]+", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /**
     * The extraction's options with the study's pooling among the stored ones: a study of the paper's poolings extracts
     * exactly what it always did, so an earlier study's extractions stay reusable.
     */
    static ExtractOptions extractOptions(Options options) {
        Set<Pooling> poolings = EnumSet.copyOf(options.extract().poolings());
        poolings.add(options.pooling());
        return options.extract().withPoolings(poolings);
    }

    /** The k-NN table of a model's folder at {@code k}. */
    static Path knnFile(Path modelDir, Options options, int k) {
        return modelDir.resolve("knn-" + options.pooling().label() + "-k" + k + ".npy");
    }

    /** The k of the k sensitivity's pass: the option, but no more than the corpus allows. */
    static int kMax(Options options, Corpus corpus) {
        return Math.min(options.kMax(), corpus.size() - 1);
    }

    /** Writes (or reuses) the untrained twin of a real model; its seed mixes the study seed with the model's checksum. */
    private static Model writeControl(Model real, Path activations, Path out, Options options, Listener listener)
            throws IOException {
        String realSha = metadata(activations).modelSha256();
        long seed = options.seed() ^ (realSha == null ? 0 : Long.parseUnsignedLong(realSha.substring(0, 15), 16));
        Path file = out.resolve(CONTROLS).resolve(real.slug() + "-untrained.gguf");
        Path sidecar = file.resolveSibling(file.getFileName() + ".json");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("control", "untrained");
        expected.put("source", real.file().getFileName().toString());
        expected.put("source_sha256", realSha);
        expected.put("seed", seed);
        expected.put("recipe", "strata UntrainedModel/1");
        boolean reuse = Files.isRegularFile(file) && Files.isRegularFile(sidecar)
                && expected.equals(JSON.std.mapFrom(Files.readString(sidecar)));
        if (reuse) {
            listener.stage("control " + real.name() + " (untrained): reused " + file.getFileName());
        } else {
            Files.createDirectories(file.getParent());
            long started = System.nanoTime();
            UntrainedModel.write(real.file(), file, seed);
            AtomicFile.writeString(sidecar, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(expected) + "\n");
            listener.stage(String.format(Locale.ROOT, "control %s (untrained): wrote %s, %.1f s",
                    real.name(), file.getFileName(), since(started)));
        }
        return new Model(real.name() + " (untrained)", real.slug() + "-untrained", file,
                real.name());
    }

    private static List<Pair> compare(List<ModelResult> models, Path out, Options options, Listener listener)
            throws IOException {
        listener.stage("compare: " + models.size() * (models.size() + 1) / 2 + " pairs (" + models.size()
                + " within-model, " + models.size() * (models.size() - 1) / 2 + " across models)");
        List<Comparisons.IndexedPair> compared = Comparisons.allPairs(models.stream().map(ModelResult::knn).toList(),
                models.stream().map(m -> m.model().name()).toList(), options.resamples(), options.seed(),
                options.nullPermutations());
        List<Pair> pairs = compared.stream().map(p -> new Pair(p.i(), p.j(), out.resolve(PAIRS).resolve(
                models.get(p.i()).model().slug() + "__" + models.get(p.j()).model().slug()), p.comparison())).toList();
        for (Pair p : pairs) ComparisonWriter.write(p.dir(), p.comparison());
        return pairs;
    }

    private static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
