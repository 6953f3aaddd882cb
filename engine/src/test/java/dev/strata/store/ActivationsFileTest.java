package dev.strata.store;

import static dev.strata.store.StoreFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.strata.io.SafetensorsReader.DType;
import dev.strata.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationsFileTest {
    @TempDir Path tmp;

    @Test
    void readsTheTypedMetadataAndTheLayersTheStoreWrote() throws Exception {
        ActivationsMetadata written = new ActivationsMetadata("tiny.gguf", "ab".repeat(32), "llama", 2, WIDTH, "c.txt",
                "cd".repeat(32), PROMPTS, 64, ActivationStore.PROMPTS, "b1234", "haswell", "AVX AVX2 FMA", "0.1.0", null,
                null, "ef".repeat(32), "0 (test)");
        Path dir = tmp.resolve("run");
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.create(dir, FINGERPRINT, written.toStrings(), IfExists.REFUSE)) {
            appendRest(store, batch);
            store.finish(IDS, Map.of());
        }
        for (Pooling pooling : Pooling.values()) {
            try (ActivationsFile file = ActivationsFile.open(dir.resolve(pooling.fileName()))) {
                assertEquals(new ActivationsMetadata("tiny.gguf", "ab".repeat(32), "llama", 2, WIDTH, "c.txt",
                        "cd".repeat(32), PROMPTS, 64, "prompts.jsonl", "b1234", "haswell", "AVX AVX2 FMA", "0.1.0", pooling,
                        null, "ef".repeat(32), pooling == Pooling.MEAN_SKIP_FIRST ? "0 (test)" : null), file.metadata(),
                        "only the file that leaves positions out names them");
                assertTrue(file.metadata().chatTemplateApplied());
                assertEquals(List.of("layers.0", "layers.1", "layers.2"),
                        file.layers().stream().map(t -> t.name()).toList());
                assertEquals(ActivationsFile.FINAL_NORM, file.finalNorm().name());
                float[] row = new float[WIDTH];
                file.readRow(file.finalNorm(), 36, row);
                assertEquals(value(pooling, 36, TENSORS - 1, 5), row[5]);
            }
        }
    }

    @Test
    void aMalformedMetadataValueIsAnErrorNamingTheFileAndKey() throws IOException {
        Path file = tmp.resolve("odd.safetensors");
        new SafetensorsWriter().metadata("n_layer", "many").add("layers.0", DType.F32, new float[][] {{1f}})
                .add("final_norm", DType.F32, new float[][] {{1f}}).write(file);
        IOException e = assertThrows(IOException.class, () -> ActivationsFile.open(file));
        assertEquals(file + ": metadata n_layer 'many' is not a whole number", e.getMessage());

        Path foreign = tmp.resolve("foreign.safetensors");
        new SafetensorsWriter().metadata("model", "other-tool").add("layers.0", DType.F32, new float[][] {{1f}})
                .add("final_norm", DType.F32, new float[][] {{1f}}).write(foreign);
        try (ActivationsFile opened = ActivationsFile.open(foreign)) {
            assertEquals("other-tool", opened.metadata().model());
            assertNull(opened.metadata().corpusSha256(), "a key the file lacks reads as null");
        }
    }
}
