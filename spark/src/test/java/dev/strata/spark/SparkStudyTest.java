package dev.strata.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.LayerView;
import dev.strata.plan.Executor;
import dev.strata.plan.ExecutorProviders;
import dev.strata.plan.ExecutorSettings;
import dev.strata.store.Pooling;
import dev.strata.study.SilentListener;
import dev.strata.study.Study;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study of the three demo models on a slice of the default corpus, once in this process as a single machine runs
 * it and once through Spark in local mode (two tasks at a time): every file must be the same. Only the last token's
 * activations are stored: the mean makes llama.cpp compute every token's logits, which costs minutes here.
 */
class SparkStudyTest {
    static final List<String> MODELS = List.of("smollm2-135m-instruct-q4_1.gguf", "gemma3-270m-q4_k_m.gguf",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
    static final String VERSION = "spark-test";

    @TempDir Path tmp;

    /** The project root: three levels above strata.llama.src (build/native/src-VERSION). */
    static Path root() {
        return Path.of(System.getProperty("strata.llama.src")).toAbsolutePath().getParent().getParent().getParent();
    }

    @Test
    void aStudyOnSparkInShardsWritesWhatOneMachineWritesInOnePiece() throws IOException {
        Path corpusFile = root().resolve("build/corpus/default.jsonl");
        assumeTrue(Files.isRegularFile(corpusFile), corpusFile + " is missing (make corpus)");
        List<Path> models = MODELS.stream().map(root().resolve("models")::resolve).toList();
        for (Path model : models) assumeTrue(Files.isRegularFile(model), model + " is missing (make models)");
        Corpus corpus = Corpus.load(corpusFile).head(16);
        Study.Options options = new Study.Options(Pooling.LAST, 5, 10, LayerView.Kind.HF,
                new ExtractOptions(16, 128, 4, 2, 0, Set.of(Pooling.LAST), false, false), KnnBackends.Device.CPU, 2,
                Set.of(), 100, 7, VERSION, Study.OnModelError.STOP).withNullPermutations(20);

        Path here = tmp.resolve("here");
        try (Extractor extractor = new Extractor(VERSION)) {
            Study.run(models, corpus, here, options, extractor, new SilentListener());
        }
        Path spark = tmp.resolve("spark");
        // Two shards of two batches per model: Spark runs them as tasks of their own and the merge gives the same bytes.
        try (Executor executor = ExecutorProviders.open("local[2]", new ExecutorSettings(VERSION, 2))) {
            Study.run(models, corpus, spark, options.withShardPrompts(8), executor, new SilentListener());
        }

        List<Path> arrays = arrays(here);
        assertEquals(3 + 3 * 2 + 6 * 3, arrays.size(),
                "activations and two k-NN tables per model, three arrays per pair (six pairs): " + arrays);
        for (Path file : arrays) {
            assertArrayEquals(Files.readAllBytes(here.resolve(file)), Files.readAllBytes(spark.resolve(file)),
                    file + " differs");
        }
        assertEquals(numbers(here), numbers(spark), "study.json");
    }

    /** Every activations file and .npy array of a study, relative to its folder. */
    static List<Path> arrays(Path study) throws IOException {
        try (Stream<Path> files = Files.walk(study)) {
            return files.filter(f -> f.toString().endsWith(".safetensors") || f.toString().endsWith(".npy"))
                    .map(study::relativize).sorted().toList();
        }
    }

    /** study.json without how long each stage took and what was reused. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> numbers(Path study) throws IOException {
        Map<String, Object> json = JSON.std.mapFrom(study.resolve(Study.STUDY_JSON).toFile());
        json.remove("seconds");
        for (Object model : (List<Object>) json.get("models")) {
            ((Map<String, Object>) model).remove("extraction_reused");
            ((Map<String, Object>) model).remove("knn_reused");
        }
        return json;
    }
}
