package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.extract.worker.WorkerDiedException;
import dev.strata.extract.worker.WorkerExtraction;
import dev.strata.store.IfExists;
import dev.strata.store.StoreExistsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety net on a real model: llama.cpp aborting (through ggml_abort, as a failed assert does) or the worker
 * killed with SIGKILL mid-batch ends the worker, never this process; the message names the model, the signal and
 * llama.cpp's last error; and a resumed run writes the same bytes as an uninterrupted one.
 */
class WorkerExtractionTest {
    private static final String FAULT = "strata.worker.fault";
    /** Three prompts a batch: the ten prompts take four batches. */
    private static final ExtractOptions OPTIONS = new ExtractOptions(64, 64, 3, 2, 0);
    private static final List<String> STORED = List.of("activations-last.safetensors", "activations-mean.safetensors",
            "prompts.jsonl");

    /** One uninterrupted run, shared by the tests: each start of a worker loads the model anew. */
    @TempDir static Path shared;
    private static Path uninterrupted;

    @TempDir Path tmp;

    private static Path model() {
        return RealModelsTest.present(RealModelsTest.MODELS.getFirst());
    }

    private static Corpus corpus() throws IOException {
        Path file = shared.resolve("prompts.txt");
        if (!Files.exists(file)) Files.write(file, RealModelsTest.PROMPTS);
        return Corpus.load(file);
    }

    private static synchronized Path uninterrupted() throws IOException {
        if (uninterrupted != null) return uninterrupted;
        Path dir = shared.resolve("uninterrupted");
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            Extractor.Result result = extraction.run(model(), corpus(), dir, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {});
            assertEquals(RealModelsTest.PROMPTS.size(), result.prompts());
        }
        uninterrupted = dir;
        return dir;
    }

    @Test
    void anAbortInsideLlamaCppEndsTheWorkerNotTheCallerAndTheRunResumes() throws IOException {
        Path whole = uninterrupted();
        Path broken = tmp.resolve("aborted");
        System.setProperty(FAULT, model().getFileName() + ":6");
        WorkerDiedException death;
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            death = assertThrows(WorkerDiedException.class,
                    () -> extraction.run(model(), corpus(), broken, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {}));
        } finally {
            System.clearProperty(FAULT);
        }
        String message = death.getMessage();
        assertTrue(message.startsWith(model().toString()), message);
        assertTrue(message.contains("killed by SIGABRT"), message);
        assertTrue(message.contains("llama.cpp's last error: strata:0: strata test fault: abort after 6 prompts"), message);
        assertResumesToTheSameBytes(whole, broken);
    }

    @Test
    void aWorkerKilledMidBatchLeavesARunThatResumesToTheSameBytes() throws IOException {
        Path whole = uninterrupted();
        Path broken = tmp.resolve("killed");
        AtomicBoolean killed = new AtomicBoolean();
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            WorkerDiedException death = assertThrows(WorkerDiedException.class,
                    () -> extraction.run(model(), corpus(), broken, OPTIONS, IfExists.REFUSE, (done, t, k, s) -> {
                        // The worker is decoding the second batch by now.
                        if (killed.compareAndSet(false, true)) {
                            ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly);
                        }
                    }));
            assertTrue(death.getMessage().contains("killed by SIGKILL"), death.getMessage());
            // The same extraction starts a fresh worker for the next run.
            Extractor.Result resumed = extraction.run(model(), corpus(), broken, OPTIONS, IfExists.RESUME, (d, t, k, s) -> {});
            assertTrue(resumed.tokens() > 0 && !resumed.alreadyComplete());
        }
        for (String file : STORED) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(broken.resolve(file)), file);
        }
    }

    @Test
    void theUsersJavaOptionsReachTheWorker() throws IOException {
        // The fault hook is set only in the options the launcher passes on (STRATA_JAVA_OPTS), not in this JVM.
        System.setProperty("strata.java.options", " -Xmx512m  -D" + FAULT + "=" + model().getFileName() + ":3 ");
        WorkerDiedException death;
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            death = assertThrows(WorkerDiedException.class, () -> extraction.run(model(), corpus(), tmp.resolve("options"),
                    OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {}));
        } finally {
            System.clearProperty("strata.java.options");
        }
        assertTrue(death.getMessage().contains("abort after 3 prompts"), death.getMessage());
    }

    @Test
    void anErrorInTheWorkerComesBackAsItsOwnException() throws IOException {
        Path dir = tmp.resolve("twice");
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            extraction.run(model(), corpus().head(3), dir, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {});
            assertThrows(StoreExistsException.class,
                    () -> extraction.run(model(), corpus().head(3), dir, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {}));
        }
    }

    private void assertResumesToTheSameBytes(Path whole, Path broken) throws IOException {
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            Extractor.Result resumed = extraction.run(model(), corpus(), broken, OPTIONS, IfExists.RESUME, (d, t, k, s) -> {});
            assertTrue(resumed.prompts() == RealModelsTest.PROMPTS.size() && resumed.tokens() > 0);
        }
        for (String file : STORED) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(broken.resolve(file)), file);
        }
    }
}
