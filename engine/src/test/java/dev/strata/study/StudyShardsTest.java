package dev.strata.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.extract.worker.WorkerExtraction;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.LayerView;
import dev.strata.plan.ExtractionTask;
import dev.strata.plan.LocalExecutor;
import dev.strata.plan.ShardTask;
import dev.strata.plan.StageProgress;
import dev.strata.results.Model;
import dev.strata.store.Pooling;
import dev.strata.store.ShardFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study whose extractions run in shards (the batches that begin in each run of 6 prompts: about two batches each)
 * writes the same bytes as one that extracts each model in one task, on the three demo models of {@code make models};
 * a study killed with some shards done reuses them and still writes the same bytes, and a shard run twice writes the
 * same bytes twice.
 */
class StudyShardsTest {
    static final List<String> MODELS = List.of("smollm2-135m-instruct-q4_1.gguf", "gemma3-270m-q4_k_m.gguf",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
    /** Prompts of 32 tokens at most, up to four (and 64 tokens) per batch: batches of two to four prompts. */
    static final ExtractOptions EXTRACT = new ExtractOptions(32, 64, 4, 2, 0);
    static final int SHARD_PROMPTS = 6;

    @TempDir static Path tmp;
    static List<Path> models;
    static Corpus corpus;
    static Study.Options options;
    static Path whole;

    @BeforeAll
    static void wholeStudy() throws IOException {
        Path dir = Path.of(System.getProperty("strata.llama.src")).toAbsolutePath().getParent().getParent()
                .getParent().resolve("models");
        models = MODELS.stream().map(dir::resolve).toList();
        for (Path model : models) assumeTrue(Files.isRegularFile(model), model + " is missing (make models)");
        String[] topics = {"rivers", "planets", "bread", "music", "chess", "volcanoes", "bees", "trains"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            lines.add("Note " + i + " on " + topics[i % topics.length] + (i % 3 == 0 ? ", with a longer tail of words"
                    + " that makes this prompt take more tokens than the others, and then some more." : "."));
        }
        Path file = tmp.resolve("prompts.txt");
        Files.write(file, lines);
        corpus = Corpus.load(file);
        options = new Study.Options(Pooling.LAST, 3, 100, LayerView.Kind.HF, EXTRACT, KnnBackends.Device.CPU, 2,
                Set.of(), 20, 5, "test", Study.OnModelError.STOP).withNullPermutations(0);
        whole = tmp.resolve("whole");
        try (Extractor extractor = new Extractor("test")) {
            Study.run(models, corpus, whole, options, extractor, new SilentListener());
        }
    }

    @Test
    void shardedStudyThroughTheWorkerWritesTheSameBytes() throws IOException {
        Path sharded = tmp.resolve("sharded");
        List<String> lines = new ArrayList<>();
        try (WorkerExtraction worker = new WorkerExtraction("test")) {
            Study.run(models, corpus, sharded, options.withShardPrompts(SHARD_PROMPTS), worker, recording(lines));
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("extract smollm2-135m-instruct-q4_1 shard 4/4: ")),
                String.join("\n", lines));
        for (Model model : Study.name(models)) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("merge " + model.name() + ": 24 prompts, 0 tokens")),
                    "every batch comes from a shard\n" + String.join("\n", lines));
        }
        assertSameOutputs(whole, sharded);
        for (Model model : Study.name(models)) {
            assertFalse(Files.exists(StudyPlan.modelDir(sharded, model).resolve(ShardFile.DIR)), "shards removed once merged");
        }
    }

    @Test
    void aStudyKilledWithSomeShardsDoneReusesThem() throws IOException {
        Path resumed = tmp.resolve("resumed");
        Study.Options sharded = options.withShardPrompts(SHARD_PROMPTS);
        List<ShardTask> shards = StudyPlan.shards(Study.name(models), corpus, corpus, resumed, sharded);
        assertEquals(3 * 4, shards.size());
        List<ShardTask> firstHalf = new ArrayList<>();
        for (int t = 0; t < shards.size(); t += 2) firstHalf.add(shards.get(t));
        try (LocalExecutor executor = new LocalExecutor(new Extractor("test"), 2)) {
            List<ExtractionTask.Done> done = executor.run("extract shards", firstHalf, StageProgress.none());
            assertTrue(done.stream().noneMatch(ExtractionTask.Done::reused));
        }
        List<String> lines = new ArrayList<>();
        try (Extractor extractor = new Extractor("test")) {
            Study.run(models, corpus, resumed, sharded, extractor, recording(lines));
        }
        for (ShardTask task : shards) {
            boolean ranBefore = firstHalf.contains(task);
            assertEquals(ranBefore, lines.stream().anyMatch(l -> l.startsWith("extract " + task.label() + ": reused")),
                    task.label() + "\n"
                    + String.join("\n", lines));
        }
        assertSameOutputs(whole, resumed);
    }

    @Test
    void aShardRunTwiceWritesTheSameBytes() throws IOException {
        Path dir = tmp.resolve("twice");
        ShardTask task = StudyPlan.shards(Study.name(models.subList(0, 1)), corpus, corpus, dir,
                options.withShardPrompts(SHARD_PROMPTS)).get(1);
        Path shards = Path.of(task.dir()).resolve(ShardFile.DIR);
        try (LocalExecutor executor = new LocalExecutor(new Extractor("test"), 2)) {
            assertFalse(executor.run("extract", List.of(task), StageProgress.none()).getFirst().reused());
            byte[] first = Files.readAllBytes(shards.resolve("shard-00001.bin"));
            String json = Files.readString(shards.resolve("shard-00001.json"));
            assertTrue(executor.run("extract", List.of(task), StageProgress.none()).getFirst().reused(),
                    "a finished shard is left as it is");
            Files.delete(shards.resolve("shard-00001.json"));
            assertFalse(executor.run("extract", List.of(task), StageProgress.none()).getFirst().reused());
            assertArrayEquals(first, Files.readAllBytes(shards.resolve("shard-00001.bin")));
            assertEquals(json, Files.readString(shards.resolve("shard-00001.json")));
        }
    }

    static Study.Listener recording(List<String> lines) {
        return new Study.Listener() {
            @Override
            public void stage(String line) {
                lines.add(line);
            }

            @Override
            public Extractor.Progress extraction(String model) {
                return (done, total, tokens, nanos) -> {};
            }
        };
    }

    /** Activations, prompts, k-NN tables, similarity matrices: the same bytes; study.json: the same but for timings. */
    static void assertSameOutputs(Path expected, Path actual) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(expected)) {
            files = walk.filter(Files::isRegularFile).map(expected::relativize).filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".safetensors") || name.endsWith(".npy") || name.equals("prompts.jsonl")
                        || name.equals("similarity.csv");
            }).sorted().toList();
        }
        // Per model two activation files, prompts.jsonl and two k-NN tables; per pair its matrix.
        assertTrue(files.size() >= 3 * 5 + 6, files.toString());
        for (Path file : files) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(actual.resolve(file)),
                    file.toString());
        }
        assertEquals(withoutTimings(expected), withoutTimings(actual));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> withoutTimings(Path study) throws IOException {
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(study.resolve(Study.STUDY_JSON)));
        json.remove("seconds");
        for (Object model : (List<Object>) json.get("models")) {
            ((Map<String, Object>) model).remove("extraction_reused");
            ((Map<String, Object>) model).remove("knn_reused");
        }
        return json;
    }
}
