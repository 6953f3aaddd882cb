package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.bindings.cuda.CudaLibraries;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaKnnCommandTest {
    @TempDir Path dir;

    @Test
    void deviceCudaWithoutCudaFailsWithOneLine() throws Exception {
        Assumptions.assumeTrue(CudaLibraries.probe() instanceof CudaLibraries.Missing, "CUDA is present here");
        Path acts = dir.resolve("acts.safetensors");
        // Any file: the backend is chosen before the activations are read.
        Files.writeString(acts, "");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run("knn", "--activations", acts.toString(), "-k", "2", "--out", dir.resolve("o.npy").toString(),
                    "--device", "cuda");
        } finally {
            System.setErr(saved);
        }
        assertNotEquals(0, code);
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("strata knn: no CUDA backend: "), text);
        assertTrue(text.contains("not found in") || text.contains("no CUDA device"), text);
        assertFalse(Files.exists(dir.resolve("o.npy")));
    }
}
