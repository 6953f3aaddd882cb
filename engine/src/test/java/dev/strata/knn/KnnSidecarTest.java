package dev.strata.knn;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnnSidecarTest {
    @TempDir Path dir;

    @Test
    void readsBackWhatItWroteAndLeavesUnrecordedFieldsOut() throws IOException {
        Path table = dir.resolve("knn.npy");
        KnnSidecar written = new KnnSidecar(List.of("layers.0", "final_norm"), "hf", 7, 3, 16, "acts.safetensors",
                "ab12", null, "tiny.gguf", "cpu");
        assertEquals(dir.resolve("knn.npy.json"), written.writeBeside(table));
        assertEquals(written, KnnSidecar.readBeside(table).orElseThrow());
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(KnnSidecar.pathFor(table)));
        assertEquals(List.of("layers", "view", "n", "k", "dim", "source", "source_sha256", "model", "backend"),
                List.copyOf(json.keySet()), "snake_case keys in a fixed order; no corpus_sha256 when none is known");
        assertTrue(KnnSidecar.readBeside(dir.resolve("other.npy")).isEmpty());
    }

    @Test
    void aSidecarThatIsNotJsonIsAnErrorNamingIt() throws IOException {
        Path table = dir.resolve("bad.npy");
        Files.writeString(KnnSidecar.pathFor(table), "{not json");
        IOException e = assertThrows(IOException.class, () -> KnnSidecar.readBeside(table));
        assertTrue(e.getMessage().startsWith(KnnSidecar.pathFor(table) + ": not valid JSON"), e.getMessage());
    }
}
