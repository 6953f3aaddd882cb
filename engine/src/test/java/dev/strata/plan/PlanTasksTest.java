package dev.strata.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusCopy;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.io.Sha256;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.LayerView;
import dev.strata.store.Pooling;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study's tasks on a real model (SmolLM2 135M of {@code make models}): they survive serialization, which is how a
 * cluster ships them (with a copy of the corpus in the study's folder), and the copy does the work; run again, each
 * finds its output complete and leaves it alone; a k-NN table put together from one task per layer, or per block of a
 * layer's rows, is the table of one pass; a task given a GPU loads its model there alone.
 */
class PlanTasksTest {
    static final String MODEL = "smollm2-135m-instruct-q4_1.gguf";
    static final ExtractOptions OPTIONS = new ExtractOptions(32, 64, 4, 2, 0);

    @TempDir Path tmp;

    /** The demo models' folder: {@code models/} of the project root (three levels above strata.llama.src). */
    static Path demoModel(String file) {
        Path model = Path.of(System.getProperty("strata.llama.src")).toAbsolutePath().getParent().getParent()
                .getParent().resolve("models").resolve(file);
        assumeTrue(Files.isRegularFile(model), model + " is missing (make models)");
        return model;
    }

    static Corpus corpus(Path dir, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        String[] topics = {"rivers", "planets", "bread", "music", "chess", "volcanoes", "bees", "trains"};
        for (int i = 0; i < n; i++) {
            lines.add("Note " + i + " on " + topics[i % topics.length] + (i % 3 == 0 ? ", with a longer tail of words"
                    + " that makes this prompt take more tokens than the others." : "."));
        }
        Path file = dir.resolve("prompts.txt");
        Files.write(file, lines);
        return Corpus.load(file);
    }

    @SuppressWarnings("unchecked")
    static <T> T copied(T object) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void serializedTasksDoTheWorkAndARerunReusesIt() throws Exception {
        Path model = demoModel(MODEL);
        Corpus corpus = corpus(tmp, 12);
        Path dir = tmp.resolve("smollm2");
        // As a cluster's tasks carry it: a copy of the corpus in the study's folder.
        ExtractionTask extraction = new ExtractionTask("smollm2", model.toString(), CorpusCopy.write(corpus, tmp),
                dir.toString(), OPTIONS, Pooling.LAST, false);
        ExtractionTask shipped = copied(extraction);
        assertEquals("extract smollm2", shipped.describe());
        assertEquals(corpus.sha256(), shipped.corpus().read().sha256());
        assertEquals(corpus.prompts(), shipped.corpus().read().prompts());

        Path activations = dir.resolve(Pooling.LAST.fileName());
        try (LocalExecutor executor = new LocalExecutor(new Extractor("test"), 2)) {
            List<String> started = new ArrayList<>();
            ExtractionTask.Done done = executor.run("extract", List.of(shipped), new StageProgress<>() {
                @Override
                public void started(int task) {
                    started.add("task " + task);
                }
            }).getFirst();
            assertEquals(List.of("task 0"), started);
            assertFalse(done.reused());
            assertNull(done.failure());
            assertEquals(12, done.prompts());
            byte[] activationBytes = Files.readAllBytes(activations);
            FileTime activationsTime = Files.getLastModifiedTime(activations);
            assertTrue(executor.run("extract", List.of(extraction), StageProgress.none()).getFirst().reused());
            assertEquals(activationsTime, Files.getLastModifiedTime(activations), "not written again");
            assertArrayEquals(activationBytes, Files.readAllBytes(activations));

            // The table from one task per layer is the table of one pass over every layer, byte for byte.
            Path whole = dir.resolve("whole.npy");
            KnnRunner.run(activations, whole, new KnnRunner.Options(3, LayerView.Kind.HF, KnnBackends.Device.CPU, 2,
                    true), System.err);
            Path table = dir.resolve("knn.npy");
            KnnTable plan = new KnnTable("smollm2", activations, Sha256.of(activations), table, 3, LayerView.Kind.HF,
                    KnnBackends.Device.CPU, 0);
            assertFalse(plan.upToDate());
            List<KnnLayerTask> tasks = new ArrayList<>();
            for (KnnLayerTask task : plan.tasks()) tasks.add(copied(task));
            assertEquals(KnnRunner.layers(activations, LayerView.Kind.HF), tasks.size());
            List<KnnLayerTask.Done> layers = executor.run("knn", tasks, StageProgress.none());
            assertTrue(layers.stream().noneMatch(KnnLayerTask.Done::reused));
            assertTrue(executor.run("knn", tasks, StageProgress.none()).stream().allMatch(KnnLayerTask.Done::reused),
                    "a part already there is left as it is");
            plan.write(tasks, layers, System.nanoTime());
            assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(table));
            assertTrue(plan.upToDate());
            assertFalse(Files.exists(Path.of(tasks.getFirst().part()).getParent()), "parts removed once written");

            // In blocks of at most 5 of the 12 rows (5, 5, 2; not aligned with the kernel's blocks): the same bytes.
            Path blocked = dir.resolve("blocked.npy");
            KnnTable inBlocks = new KnnTable("smollm2", activations, Sha256.of(activations), blocked, 3,
                    LayerView.Kind.HF, KnnBackends.Device.CPU, 5);
            List<KnnLayerTask> blockTasks = new ArrayList<>();
            for (KnnLayerTask task : inBlocks.tasks()) blockTasks.add(copied(task));
            assertEquals(3 * tasks.size(), blockTasks.size());
            assertEquals("smollm2 k=3 layer 1/" + tasks.size() + " rows 10-11/12", blockTasks.get(2).label());
            inBlocks.write(blockTasks, executor.run("knn", blockTasks, StageProgress.none()), System.nanoTime());
            assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(blocked));
        }
    }

    @Test
    void aModelThatCannotBeExtractedIsAResultWhenAskedAndAFailureOtherwise() throws Exception {
        Path broken = tmp.resolve("broken.gguf");
        Files.writeString(broken, "not a GGUF file");
        Corpus corpus = corpus(tmp, 4);
        try (LocalExecutor executor = new LocalExecutor(new Extractor("test"), 1)) {
            ExtractionTask skipping = new ExtractionTask("broken", broken.toString(), corpus,
                    tmp.resolve("a").toString(), OPTIONS, Pooling.LAST, true);
            ExtractionTask.Done done = executor.run("extract", List.of(skipping), StageProgress.none()).getFirst();
            assertTrue(done.failed());
            assertFalse(done.failure().startsWith(broken.toString()), "the reason without the file: " + done.failure());
            ExtractionTask stopping = new ExtractionTask("broken", broken.toString(), corpus,
                    tmp.resolve("b").toString(), OPTIONS, Pooling.LAST, false);
            IOException e = assertThrows(IOException.class,
                    () -> executor.run("extract", List.of(stopping), StageProgress.none()));
            assertTrue(e.getMessage().contains("broken.gguf"), e.getMessage());
        }
    }

    @Test
    void aTaskGivenAGpuLoadsItsModelThereAlone() {
        ExtractOptions placed = context(OptionalInt.of(2)).placed(OPTIONS);
        assertEquals(2, placed.gpu());
        assertEquals(3, placed.threads());
        assertEquals(OPTIONS.fingerprint(), placed.fingerprint(), "a resumed extraction may move to another GPU");
        assertEquals(OPTIONS.withThreads(3), context(OptionalInt.empty()).placed(OPTIONS), "no GPU: any");
        assertEquals(ExtractOptions.ANY_GPU, OPTIONS.gpu());
    }

    /** What an executor gives a task with three cores and {@code gpu}. */
    static TaskContext context(OptionalInt gpu) {
        return new TaskContext() {
            @Override
            public int threads() {
                return 3;
            }

            @Override
            public OptionalInt gpu() {
                return gpu;
            }

            @Override
            public Extraction extraction() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Extractor.Progress progress() {
                return (done, total, tokens, nanos) -> {};
            }
        };
    }
}
