package dev.strata.store;

import static dev.strata.store.StoreFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real kill -9 of a writing JVM, then a resume: the finished files match an uninterrupted run. */
class ActivationStoreKillTest {
    @TempDir Path tmp;

    @Test
    void killedProcessResumesToTheSameBytes() throws Exception {
        writeRun(tmp.resolve("reference"), 5, RowBatch.Layout.PROMPT_MAJOR);
        Path dir = tmp.resolve("killed");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SlowExtraction.class.getName(), dir.toString(), "40")
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
                assertNotNull(line, "the child ended before its third checkpoint");
            } while (!line.equals("checkpoint 15"));
            // Land somewhere in the next batch: between its append and its checkpoint, or just after it.
            Thread.sleep(60);
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }

        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore resumed = ActivationStore.resume(dir, FINGERPRINT, METADATA)) {
            int done = resumed.promptsDone();
            assertTrue(done >= 15 && done < PROMPTS, "resumed at " + done);
            appendRest(resumed, batch);
            resumed.finish(IDS, Map.of());
        }
        assertSameFiles(tmp.resolve("reference"), dir);
    }
}
