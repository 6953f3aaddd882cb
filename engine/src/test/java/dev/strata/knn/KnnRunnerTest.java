package dev.strata.knn;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.Npy;
import dev.strata.io.SafetensorsReader.DType;
import dev.strata.io.SafetensorsReader;
import dev.strata.io.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnnRunnerTest {
    @TempDir Path dir;

    @Test
    void writesNeighboursOfEveryLayerAndASidecar() throws IOException {
        int n = 50;
        int k = 4;
        float[][][] layers = {KnnCpuTest.gaussian(n, 19, 1), KnnCpuTest.gaussian(n, 19, 2), KnnCpuTest.gaussian(n, 19, 3)};
        Path file = dir.resolve("acts.safetensors");
        new SafetensorsWriter().metadata("model", "tiny-llama").metadata("corpus_sha256", "c0ffee").metadata("extra", "x")
                .add("layers.0", DType.F32, layers[0]).add("layers.1", DType.F32, layers[1])
                .add("final_norm", DType.F32, layers[2]).write(file);
        Path out = dir.resolve("knn.npy");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        KnnRunner.Summary summary = KnnRunner.run(file, out,
                new KnnRunner.Options(k, LayerView.Kind.HF, KnnBackends.Device.AUTO, 2, false),
                new PrintStream(progress, true, StandardCharsets.UTF_8));

        Npy.Array npy = Npy.read(out);
        assertArrayEquals(new int[] {2, n, k}, npy.shape());
        int[] hfLayers = {0, 2}; // hf view: layers.0, then final_norm in place of layers.1
        for (int l = 0; l < 2; l++) {
            KnnReference reference = new KnnReference(layers[hfLayers[l]]);
            KnnCpuTest.assertMatchesReference(reference, Arrays.copyOfRange(npy.ints(), l * n * k, (l + 1) * n * k), k,
                    "layer " + l);
        }
        Map<String, Object> sidecar = JSON.std.mapFrom(Files.readString(dir.resolve("knn.npy.json")));
        assertEquals(List.of("layers.0", "final_norm"), sidecar.get("layers"));
        assertEquals("hf", sidecar.get("view"));
        assertEquals(n, sidecar.get("n"));
        assertEquals(k, sidecar.get("k"));
        assertEquals("tiny-llama", sidecar.get("model"));
        assertEquals("c0ffee", sidecar.get("corpus_sha256"));
        assertFalse(sidecar.containsKey("extra"));
        assertEquals(dev.strata.io.Sha256.of(file), sidecar.get("source_sha256"));
        assertEquals(64, ((String) sidecar.get("source_sha256")).length());
        assertEquals(summary.sidecar(), dir.resolve("knn.npy.json"));

        String log = progress.toString(StandardCharsets.UTF_8);
        assertTrue(log.startsWith("no CUDA backend"), log);
        assertTrue(log.contains("knn: layer 2/2 final_norm"), log);
    }

    @Test
    void halfPrecisionInputGivesTheNeighboursOfItsFloat32Values() throws IOException {
        int n = 64;
        float[][] values = KnnCpuTest.gaussian(n, 33, 7);
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            Path file = dir.resolve(dtype + ".safetensors");
            new SafetensorsWriter().add("layers.0", dtype, values).add("layers.1", dtype, values)
                    .add("final_norm", dtype, values).write(file);
            Path out = dir.resolve(dtype + ".npy");
            KnnRunner.run(file, out, new KnnRunner.Options(5, LayerView.Kind.RAW, KnnBackends.Device.CPU, 1, true),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            float[][] stored;
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                stored = r.readMatrix("layers.0");
            }
            int[] expected = KnnBackends.cpu(1).nearest(RowMatrix.of("f32", stored), 5);
            KnnCpuTest.assertMatchesReference(new KnnReference(stored), expected, 5, dtype.toString());
            int[] got = Npy.read(out).ints();
            assertEquals(3 * n * 5, got.length);
            assertArrayEquals(expected, Arrays.copyOfRange(got, 2 * n * 5, 3 * n * 5), dtype.toString());
        }
    }

    @Test
    void cudaWithoutABackendIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KnnBackends.select(KnnBackends.Device.CUDA, 1));
        assertTrue(e.getMessage().startsWith("no CUDA backend: "), e.getMessage());
        assertEquals(KnnBackends.Device.CUDA, KnnBackends.Device.parse("CUDA"));
        assertThrows(IllegalArgumentException.class, () -> KnnBackends.Device.parse("tpu"));
    }
}
