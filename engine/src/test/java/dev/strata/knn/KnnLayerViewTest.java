package dev.strata.knn;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.io.SafetensorsReader.DType;
import dev.strata.io.SafetensorsWriter;
import dev.strata.store.ActivationsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnnLayerViewTest {
    @TempDir Path dir;

    @Test
    void hfViewSwapsTheLastResidualForTheFinalNormAndRawKeepsEverything() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        // Written out of order, with two-digit indices, to check numeric ordering.
        for (int i : new int[] {10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9}) w.add("layers." + i, DType.F32, KnnCpuTest.gaussian(4, 3, i));
        w.add("final_norm", DType.F32, KnnCpuTest.gaussian(4, 3, 99)).add("other", DType.F32, new float[][] {{1f}});
        Path file = dir.resolve("acts.safetensors");
        w.write(file);
        try (ActivationsFile r = ActivationsFile.open(file)) {
            LayerView hf = LayerView.of(r, LayerView.Kind.HF);
            assertEquals(11, hf.size());
            assertEquals("layers.0", hf.names().getFirst());
            assertEquals("layers.9", hf.names().get(9));
            assertEquals("final_norm", hf.names().get(10));
            assertEquals(4, hf.rows());
            assertEquals(3, hf.dim());
            LayerView raw = LayerView.of(r, LayerView.Kind.RAW);
            assertEquals(12, raw.size());
            assertEquals(List.of("layers.9", "layers.10", "final_norm"), raw.names().subList(9, 12));
            float[] row = new float[3];
            raw.layer(10).copyRow(2, row);
            assertArrayEquals(KnnCpuTest.gaussian(4, 3, 10)[2], row);
        }
    }

    @Test
    void missingOrMismatchedTensorsAreClearErrors() throws IOException {
        float[][] m = KnnCpuTest.gaussian(4, 3, 1);
        assertViewError(new SafetensorsWriter().add("layers.0", DType.F32, m).add("layers.2", DType.F32, m)
                .add("final_norm", DType.F32, m), "layers.0 .. layers.2 expected, missing layers.1");
        assertViewError(new SafetensorsWriter().add("layers.0", DType.F32, m).add("layers.1", DType.F32, m),
                "has no 'final_norm' tensor");
        assertViewError(new SafetensorsWriter().add("final_norm", DType.F32, m), "has no layers.<i> tensors");
        assertViewError(new SafetensorsWriter().add("layers.0", DType.F32, m).add("layers.1", DType.F32, m)
                .add("final_norm", DType.F32, KnnCpuTest.gaussian(4, 5, 1)),
                "tensor 'final_norm' has shape [4, 5] but 'layers.0' has [4, 3]");
    }

    private void assertViewError(SafetensorsWriter writer, String expected) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        writer.write(file);
        try (ActivationsFile r = ActivationsFile.open(file)) {
            IOException e = assertThrows(IOException.class, () -> LayerView.of(r, LayerView.Kind.RAW));
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }
}
