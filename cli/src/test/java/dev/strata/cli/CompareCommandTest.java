package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import dev.strata.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {
    @TempDir Path dir;

    /** Three layers (embeddings, block 1, final norm) over n = 5 prompts, k = 2; every prompt's neighbours t+1, t+2. */
    private Path knn(String name, int n, int k, String corpus) throws IOException {
        int layers = 3;
        int[] data = new int[layers * n * k];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < n; t++) {
                for (int q = 0; q < k; q++) data[(l * n + t) * k + q] = (t + 1 + q) % n;
            }
        }
        Path file = dir.resolve(name);
        Npy.writeInt32(file, data, layers, n, k);
        if (corpus != null) {
            AtomicFile.writeString(dir.resolve(name + ".json"), JSON.std.asString(Map.of(
                    "layers", List.of("embd", "layers.0", "final_norm"), "k", k, "n", n, "view", "hf",
                    "corpus_sha256", corpus, "model", name.replace(".npy", "") + "-model")));
        }
        return file;
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void comparesTwoTablesAndWritesAllOutputs() throws IOException {
        Path a = knn("a.npy", 5, 2, "c1");
        Path b = knn("b.npy", 5, 2, "c1");
        Path out = dir.resolve("out");
        Result r = run("compare", "--a", a.toString(), "--b", b.toString(), "--out", out.toString(),
                "--resamples", "20", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("a-model vs b-model (mknn, 2 x 2): on-diagonal 1.0000"), r.out());
        for (String f : List.of("similarity.npy", "similarity.csv", "summary.json", "heatmap.png")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        // Embeddings dropped: rows are layers.0 and final_norm; identical tables give M = 1 everywhere.
        assertArrayEquals(new double[] {1, 1, 1, 1}, Npy.read(out.resolve("similarity.npy")).doubles());
        assertTrue(Files.readString(out.resolve("similarity.csv")).startsWith("a-model \\ b-model,layers.0,final_norm\n"));
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("summary.json")));
        assertEquals(false, json.get("within_model"));
        assertEquals(0.5, ((Number) json.get("chance")).doubleValue(), 1e-15); // k/(n-1) = 2/4
        assertEquals(200, ((Map<?, ?>) json.get("calibration")).get("permutations"), "calibrated by default");
        assertTrue(Files.exists(out.resolve("calibrated.npy")));
    }

    @Test
    void keepsEmbeddingsAndUsesGivenNamesAndMetric() throws IOException {
        Path a = knn("a.npy", 5, 2, null);
        Path out = dir.resolve("within");
        Result r = run("compare", "--a", a.toString(), "--b", a.toString(), "--out", out.toString(),
                "--keep-embeddings", "--metric", "jaccard", "--name-a", "X", "--name-b", "Y", "--resamples", "5",
                "--null-permutations", "0");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new int[] {3, 3}, Npy.read(out.resolve("similarity.npy")).shape());
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("summary.json")));
        assertEquals("jaccard", json.get("metric"));
        assertEquals(true, json.get("within_model"));
        assertEquals("X", json.get("model_a"));
        assertEquals(List.of("L0", "L1", "L2"), json.get("row_labels"));
        assertFalse(json.containsKey("calibration"), "--null-permutations 0 leaves the calibration out");
        assertFalse(Files.exists(out.resolve("calibrated.npy")));
    }

    @Test
    void refusesDifferentPromptCountsKOrCorpora() throws IOException {
        Path a = knn("a.npy", 5, 2, "c1");
        Path out = dir.resolve("never");
        Result otherN = run("compare", "--a", a.toString(), "--b", knn("n6.npy", 6, 2, null).toString(), "--out", out.toString());
        assertEquals(1, otherN.code());
        assertTrue(otherN.err().contains("--a has n=5, k=2 but --b has n=6, k=2"), otherN.err());
        Result otherK = run("compare", "--a", a.toString(), "--b", knn("k3.npy", 5, 3, null).toString(), "--out", out.toString());
        assertEquals(1, otherK.code());
        assertTrue(otherK.err().contains("k=3"), otherK.err());
        Result otherCorpus = run("compare", "--a", a.toString(), "--b", knn("c2.npy", 5, 2, "c2").toString(), "--out", out.toString());
        assertEquals(1, otherCorpus.code());
        assertTrue(otherCorpus.err().contains("strata compare: --a and --b come from different corpora: corpus_sha256 c1 vs c2"),
                otherCorpus.err());
        Result badMetric = run("compare", "--a", a.toString(), "--b", a.toString(), "--out", out.toString(), "--metric", "cosine");
        assertEquals(1, badMetric.code());
        assertTrue(badMetric.err().contains("unknown metric 'cosine'"), badMetric.err());
        assertFalse(Files.exists(out), "nothing written on refusal");
    }

    /** An activations file of 4 tensors (layers.0..2, final_norm) over n prompts, written through the store. */
    private Path activations(String name, int n, int width, float[][][] values)
            throws IOException {
        Path out = dir.resolve(name);
        var fingerprint = new dev.strata.store.StoreFingerprint("m-" + name, "c", "o", n, width, values.length,
                java.util.EnumSet.allOf(dev.strata.store.Pooling.class));
        try (var store = dev.strata.store.ActivationStore.create(out, fingerprint, Map.of("corpus_sha256", "c", "model", name), dev.strata.store.IfExists.REFUSE);
             var batch = dev.strata.store.RowBatch.allocate(n, values.length, width, dev.strata.store.RowBatch.Layout.PROMPT_MAJOR)) {
            for (var pooling : dev.strata.store.Pooling.values()) {
                for (int t = 0; t < n; t++) {
                    for (int tensor = 0; tensor < values.length; tensor++) {
                        for (int d = 0; d < width; d++) {
                            batch.rows(pooling).set(dev.strata.store.RowBatch.FLOAT, batch.rowOffset(t, tensor) + 4L * d, values[tensor][t][d]);
                        }
                    }
                }
            }
            store.append(0, n, batch);
            store.finish(java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString).toList(), Map.of());
        }
        return out.resolve("activations-last.safetensors");
    }

    @Test
    void ckaComparesStoredVectorsAndIgnoresRotationAndScale() throws IOException {
        int n = 40, width = 6, tensors = 4;
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        float[][][] a = new float[tensors][n][width];
        float[][][] b = new float[tensors][n][width];
        for (int tensor = 0; tensor < tensors; tensor++) {
            for (int t = 0; t < n; t++) {
                for (int d = 0; d < width; d++) a[tensor][t][d] = (float) random.nextGaussian();
                // b: a with coordinates swapped pairwise and one flipped (an orthogonal map), times 3.
                for (int d = 0; d < width; d++) b[tensor][t][d] = 3 * a[tensor][t][d ^ 1] * (d == 0 ? -1 : 1);
            }
        }
        Path fileA = activations("a", n, width, a);
        Path fileB = activations("b", n, width, b);
        Result r = run("compare", "--metric", "cka", "--activations-a", fileA.toString(), "--activations-b", fileB.toString(),
                "--out", dir.resolve("cka").toString(), "--resamples", "20");
        assertEquals(0, r.code(), r.err());
        Npy.Array m = Npy.read(dir.resolve("cka/similarity.npy"));
        // L = 2: the hf view is layers.0, layers.1, final_norm, and the embeddings are dropped.
        assertArrayEquals(new int[] {2, 2}, m.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                double v = m.doubles()[i * 2 + j];
                if (i == j) assertEquals(1.0, v, 1e-6, "matching layers");
                else assertTrue(v < 0.6, "independent random layers: " + v);
            }
        }
        assertTrue(run("compare", "--metric", "cka", "--out", dir.resolve("x").toString()).err().contains("--activations-a"));
        assertTrue(run("compare", "--out", dir.resolve("y").toString()).err().contains("needs --a and --b"));
    }
}
