package dev.strata.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusCopy;
import dev.strata.extract.ExtractOptions;
import dev.strata.plan.Executor;
import dev.strata.plan.ExecutorProviders;
import dev.strata.plan.ExecutorSettings;
import dev.strata.plan.ExtractionTask;
import dev.strata.plan.StageProgress;
import dev.strata.plan.Task;
import dev.strata.plan.TaskContext;
import dev.strata.plan.TaskResult;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's own contract, with tasks that need no model: order, progress, threads, failures, masters. */
class SparkExecutorTest {
    static Executor executor;

    @BeforeAll
    static void start() throws IOException {
        executor = ExecutorProviders.open("local[2]", new ExecutorSettings("spark-test", 1));
    }

    @AfterAll
    static void stop() {
        executor.close();
    }

    record Square(int value) implements TaskResult {}

    /** Squares a number; later tasks finish first, so results arrive out of order. */
    record SquareTask(int value, int tasks) implements Task<Square> {
        @Override
        public String describe() {
            return "square " + value;
        }

        @Override
        public Square run(TaskContext context) throws IOException {
            try {
                Thread.sleep(40L * (tasks - value));
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new Square(value * value + 1000 * context.threads() + (context.gpu().isPresent() ? 1 : 0));
        }
    }

    record BrokenTask(String model) implements Task<Square> {
        @Override
        public String describe() {
            return "extract " + model + " shard 2/3";
        }

        @Override
        public Square run(TaskContext context) throws IOException {
            throw new IOException(model + ".gguf: tensor 'blk.0.attn_q.weight' is truncated");
        }
    }

    @Test
    void resultsComeBackInTaskOrderEachTaskStartedOnceBeforeItEnds() throws IOException {
        int n = 6;
        List<SquareTask> tasks = IntStream.range(0, n).mapToObj(i -> new SquareTask(i, n)).toList();
        List<String> events = new ArrayList<>();
        List<Square> results = executor.run("square", tasks, new StageProgress<>() {
            @Override
            public void started(int task) {
                events.add("start " + task);
            }

            @Override
            public void finished(int task, Square result) {
                events.add("end " + task);
            }
        });
        // spark.task.cpus is 1 here, and local mode assigns no GPU.
        assertEquals(IntStream.range(0, n).mapToObj(i -> new Square(i * i + 1000)).toList(), results);
        assertEquals(2 * n, events.size(), events.toString());
        for (int t = 0; t < n; t++) {
            assertTrue(events.indexOf("start " + t) >= 0 && events.indexOf("start " + t) < events.indexOf("end " + t),
                    events.toString());
        }
        assertEquals(List.of(), executor.run("nothing", List.<SquareTask>of(), StageProgress.none()));
    }

    @Test
    void aFailedTaskIsNamedWithItsExecutorAndError() {
        List<Task<Square>> tasks = List.of(new SquareTask(1, 1), new BrokenTask("gemma3"));
        IOException e = assertThrows(IOException.class, () -> executor.run("extract shards", tasks,
                StageProgress.none()));
        assertTrue(e.getMessage().startsWith("extract gemma3 shard 2/3 failed on executor driver ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("): gemma3.gguf: tensor 'blk.0.attn_q.weight' is truncated"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aTaskWhoseCorpusCopyChangedFailsWithALineNamingTheCopy(@TempDir Path study) throws IOException {
        Corpus corpus = Corpus.randomStrings(8, 1);
        CorpusCopy copy = (CorpusCopy) executor.corpusForTasks(corpus, study);
        assertEquals(study.resolve("corpus-" + corpus.sha256().substring(0, 16) + ".txt").toString(), copy.path());
        Files.writeString(Path.of(copy.path()), "another corpus\n");
        // Even where a model that cannot be extracted is skipped: the corpus is not the model's fault.
        ExtractionTask task = new ExtractionTask("smollm2", study.resolve("smollm2.gguf").toString(), copy,
                study.resolve("smollm2").toString(), new ExtractOptions(16, 128, 4, 1, 0), Pooling.LAST, true);
        IOException e = assertThrows(IOException.class, () -> executor.run("extract", List.of(task),
                StageProgress.none()));
        assertTrue(e.getMessage().startsWith("extract smollm2 failed on executor driver ("), e.getMessage());
        assertTrue(e.getMessage().contains("): " + copy.path() + ": SHA-256 "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void acceptsSparksMastersOnly() {
        SparkExecutorProvider provider = new SparkExecutorProvider();
        for (String master : List.of("local", "local[2]", "local[*]", "local-cluster[2,1,1024]", "spark://head:7077",
                "yarn", "k8s://https://head:6443")) {
            assertTrue(provider.accepts(master), master);
        }
        for (String master : List.of("", "head:7077", "localhost", "mesos://head:5050", "ray://head")) {
            assertFalse(provider.accepts(master), master);
        }
    }
}
