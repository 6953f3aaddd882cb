package dev.strata.study;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.bindings.Llama;
import dev.strata.compare.Calibration;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.Comparisons;
import dev.strata.compare.NeighbourTable;
import dev.strata.compare.Summary;
import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.extract.NonFiniteActivationsException;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelFamily;
import dev.strata.gguf.UntrainedModel;
import dev.strata.io.AtomicFile;
import dev.strata.io.Sha256;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.KnnSidecar;
import dev.strata.knn.LayerView;
import dev.strata.report.StudyReport;
import dev.strata.results.Model;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Sensitivity;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The whole study in one call (the plan; what it produces is a {@link StudyResult}): for every model, extract (resumable), k-NN of one pooling, then the mutual k-NN matrix
 * of every model with itself and with every other model, each pair's statistics, {@code study.json} and
 * {@code report.html}. Every step that has already been done (same inputs) is reused, so a second run is quick and a
 * killed run continues.
 *
 * <pre>
 * OUT/models/&lt;model&gt;/              activations (Extractor) and knn-&lt;pooling&gt;-k&lt;K&gt;.npy (+ .json sidecar)
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

    /** Extra models the study adds. */
    public enum Control {
        NONE, UNTRAINED;

        /** Parses "none" or "untrained" (any case). */
        public static Control parse(String text) {
            for (Control control : values()) {
                if (control.name().equalsIgnoreCase(text.strip())) return control;
            }
            throw new IllegalArgumentException("unknown control '" + text + "' (expected untrained or none)");
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
     */
    public record Options(Pooling pooling, int k, int kMax, LayerView.Kind view, ExtractOptions extract,
                          KnnBackends.Device device, int knnThreads, Control control, int resamples, long seed, String version,
                          OnModelError onModelError, int nullPermutations) {
        public Options {
            Objects.requireNonNull(pooling);
            Objects.requireNonNull(view);
            Objects.requireNonNull(onModelError);
            if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
            if (kMax < 1) throw new IllegalArgumentException("k_max must be at least 1, got " + kMax);
            if (resamples < 1) throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
            if (nullPermutations < 0) {
                throw new IllegalArgumentException("null permutations must be at least 0, got " + nullPermutations);
            }
        }

        /** Options with the default number of shuffles for the calibration. */
        public Options(Pooling pooling, int k, int kMax, LayerView.Kind view, ExtractOptions extract,
                KnnBackends.Device device, int knnThreads, Control control, int resamples, long seed, String version,
                OnModelError onModelError) {
            this(pooling, k, kMax, view, extract, device, knnThreads, control, resamples, seed, version, onModelError,
                    Calibration.DEFAULT_PERMUTATIONS);
        }

        /** These options with {@code permutations} shuffles for the calibration (0: none). */
        public Options withNullPermutations(int permutations) {
            return new Options(pooling, k, kMax, view, extract, device, knnThreads, control, resamples, seed, version,
                    onModelError, permutations);
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

        /** Where the k-NN runner prints its per-layer lines; null for none. */
        default PrintStream knnLog() {
            return null;
        }
    }

    private Study() {}

    /**
     * Runs the study of {@code modelFiles} over {@code corpus} into {@code out}, the llama.cpp work through
     * {@code extraction} (a worker process, so that a model llama.cpp aborts on can be skipped).
     */
    public static StudyResult run(List<Path> modelFiles, Corpus corpus, Path out, Options options,
            Extraction extraction, Listener listener) throws IOException {
        if (modelFiles.isEmpty()) throw new IllegalArgumentException("a study needs at least one model");
        if (options.k() > corpus.size() - 1) {
            throw new IllegalArgumentException("k = " + options.k() + " needs at least " + (options.k() + 1)
                    + " prompts; the corpus has " + corpus.size());
        }
        for (Path file : modelFiles) {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such model file: " + file);
        }
        Files.createDirectories(out);
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<Model> models = name(modelFiles);
        List<ModelResult> results = new ArrayList<>();
        List<SkippedModel> skipped = new ArrayList<>();
        for (Model model : models) {
            prepare(model, corpus, out, options, extraction, listener, seconds, skipped).ifPresent(results::add);
        }

        if (options.control() == Control.UNTRAINED) {
            long started = System.nanoTime();
            List<Model> controls = new ArrayList<>();
            for (ModelResult real : List.copyOf(results)) {
                controls.add(writeControl(real, out, options, listener));
            }
            seconds.put("controls: write", since(started));
            for (Model control : controls) {
                prepare(control, corpus, out, options, extraction, listener, seconds, skipped).ifPresent(results::add);
            }
        }
        if (results.isEmpty()) {
            throw new IOException("no model could be extracted: " + String.join("; ", skipped.stream()
                    .map(m -> m.model().file() + ": " + m.reason()).toList()));
        }

        long started = System.nanoTime();
        List<Pair> pairs = compare(results, out, options, listener);
        seconds.put("compare: " + pairs.size() + " pairs", since(started));
        started = System.nanoTime();
        Sensitivity sensitivity = Sensitivities.compute(results, pairs, kMax(options, corpus), options, listener);
        seconds.put("sensitivity", since(started));

        Path studyJson = out.resolve(STUDY_JSON);
        Path report = out.resolve(StudyReport.HTML);
        StudyResult result = new StudyResult(out, corpus.name(), corpus.sha256(), corpus.size(), settings(options),
                List.copyOf(results), List.copyOf(skipped), pairs, sensitivity, seconds, studyJson, report);
        started = System.nanoTime();
        listener.stage("report: writing " + report);
        StudyReport.write(result);
        seconds.put("report", since(started));
        StudyJson.write(result);
        listener.stage("done: " + report + " and " + studyJson);
        return result;
    }

    /** What the outputs record of the options. */
    private static Settings settings(Options o) {
        return new Settings(o.pooling(), o.k(), o.view(), o.extract().maxTokens(),
                o.control().name().toLowerCase(Locale.ROOT), o.resamples(), o.seed(), o.version(), Llama.RELEASE,
                o.extract().chatTemplate());
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

    /** Extraction and k-NN of one model; empty when the model failed and the options say to skip it. */
    private static Optional<ModelResult> prepare(Model model, Corpus corpus, Path out, Options options,
            Extraction extractor, Listener listener, Map<String, Double> seconds, List<SkippedModel> skipped)
            throws IOException {
        Path dir = out.resolve(MODELS).resolve(model.slug());
        Path activations = dir.resolve(options.pooling().fileName());
        Extractor.Result extraction;
        try {
            try {
                extraction = extractor.run(model.file(), corpus, dir, extractOptions(options), IfExists.RESUME,
                        listener.extraction(model.name()));
            } finally {
                listener.extractionDone();
            }
            requireFinite(model, activations);
        } catch (IOException | RuntimeException e) {
            if (options.onModelError() == OnModelError.STOP) throw e;
            String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            String reason = message.startsWith(model.file() + ": ")
                    ? message.substring(model.file().toString().length() + 2) : message;
            skipped.add(new SkippedModel(model, reason));
            listener.stage("skip " + model.name() + ": " + reason);
            return Optional.empty();
        }
        listener.stage(extraction.alreadyComplete()
                ? "extract " + model.name() + ": reused " + dir
                : String.format(Locale.ROOT, "extract %s: %d prompts, %d tokens, %.1f s", model.name(),
                        extraction.prompts(), extraction.tokens(), extraction.seconds()));
        seconds.put("extract: " + model.name(), extraction.seconds());

        Path knn = knnFile(dir, options, options.k());
        long started = System.nanoTime();
        boolean reuse = knn(model, activations, knn, options.k(), options, listener);
        double knnSeconds = reuse ? 0 : since(started);
        seconds.put("knn: " + model.name(), knnSeconds);
        int kMax = kMax(options, corpus);
        if (kMax != options.k()) {
            started = System.nanoTime();
            boolean reused = knn(model, activations, knnFile(dir, options, kMax), kMax, options, listener);
            seconds.put("knn: " + model.name() + " (k = " + kMax + ")", reused ? 0 : since(started));
        }
        ActivationsMetadata metadata;
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            metadata = file.metadata();
        }
        List<String> layers = NeighbourTable.read(knn).withoutFirstLayer().labels();
        ModelFamily family;
        try (GgufFile gguf = GgufFile.open(model.file())) {
            family = ModelFamily.of(gguf);
        }
        return Optional.of(new ModelResult(model, dir, activations, knn, layers, metadata,
                extraction.alreadyComplete(), extraction.seconds(), reuse, knnSeconds, family));
    }

    /**
     * A model whose activations hold NaN or infinite values (stored because they were allowed) stops the study after
     * its extraction, with the counts, rather than in its k-NN with a row number: neighbours of such vectors are
     * undefined. The extraction stays for inspection.
     */
    private static void requireFinite(Model model, Path activations) throws IOException {
        ActivationsMetadata metadata;
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            metadata = file.metadata();
        }
        long total = metadata.nonFiniteTotal();
        if (total > 0) {
            List<String> affected = new ArrayList<>();
            metadata.nonFiniteValues().forEach((tensor, count) -> {
                if (count > 0) affected.add(tensor + ": " + count);
            });
            String listed = affected.size() <= 4 ? String.join(", ", affected)
                    : String.join(", ", affected.subList(0, 3)) + ", ... " + affected.getLast();
            throw new NonFiniteActivationsException(model.name() + ": its activations hold " + total
                    + " non-finite values (NaN or Inf; " + listed + "); k-NN and the comparisons need finite vectors,"
                    + " so the study stops here and keeps the extraction in " + activations.getParent());
        }
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

    /** Computes the k-NN table {@code knn} at {@code k}, or reuses it when it is up to date; says whether it reused. */
    private static boolean knn(Model model, Path activations, Path knn, int k, Options options, Listener listener)
            throws IOException {
        if (knnUpToDate(knn, activations, k, options)) {
            listener.stage("knn " + model.name() + ": reused " + knn.getFileName());
            return true;
        }
        PrintStream log = listener.knnLog();
        KnnRunner.Summary s = KnnRunner.run(activations, knn, new KnnRunner.Options(k, options.view(),
                options.device(), options.knnThreads(), log == null), log == null ? System.err : log);
        listener.stage(String.format(Locale.ROOT, "knn %s: %d layers, n=%d, k=%d on %s, %.1f s",
                model.name(), s.layers().size(), s.n(), s.k(), s.backend(), s.seconds()));
        return false;
    }

    /** A k-NN file is reused when its sidecar says it came from these activations (by checksum), k and view. */
    static boolean knnUpToDate(Path knn, Path activations, int k, Options options) throws IOException {
        if (!Files.isRegularFile(knn)) return false;
        Optional<KnnSidecar> sidecar = KnnSidecar.readBeside(knn);
        if (sidecar.isEmpty()) return false;
        KnnSidecar s = sidecar.get();
        return Integer.valueOf(k).equals(s.k()) && options.view().toString().equals(s.view())
                && Sha256.of(activations).equals(s.sourceSha256());
    }

    /** Writes (or reuses) the untrained twin of a real model; its seed mixes the study seed with the model's checksum. */
    private static Model writeControl(ModelResult real, Path out, Options options, Listener listener) throws IOException {
        String realSha = real.metadata().modelSha256();
        long seed = options.seed() ^ (realSha == null ? 0 : Long.parseUnsignedLong(realSha.substring(0, 15), 16));
        Path file = out.resolve(CONTROLS).resolve(real.model().slug() + "-untrained.gguf");
        Path sidecar = file.resolveSibling(file.getFileName() + ".json");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("control", "untrained");
        expected.put("source", real.model().file().getFileName().toString());
        expected.put("source_sha256", realSha);
        expected.put("seed", seed);
        expected.put("recipe", "strata UntrainedModel/1");
        boolean reuse = Files.isRegularFile(file) && Files.isRegularFile(sidecar)
                && expected.equals(JSON.std.mapFrom(Files.readString(sidecar)));
        if (reuse) {
            listener.stage("control " + real.model().name() + " (untrained): reused " + file.getFileName());
        } else {
            Files.createDirectories(file.getParent());
            long started = System.nanoTime();
            UntrainedModel.write(real.model().file(), file, seed);
            AtomicFile.writeString(sidecar, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(expected) + "\n");
            listener.stage(String.format(Locale.ROOT, "control %s (untrained): wrote %s, %.1f s",
                    real.model().name(), file.getFileName(), since(started)));
        }
        return new Model(real.model().name() + " (untrained)", real.model().slug() + "-untrained", file,
                real.model().name());
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
