package dev.strata.extract;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.bindings.CpuBackend;
import dev.strata.bindings.Ggml;
import dev.strata.corpus.Corpus;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import dev.strata.io.SafetensorsReader;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Extraction on the real models of {@code make models} (cli/src/main/sh/models.pin), one family at a time; a family
 * whose file is not in the models directory is skipped. The directory is the system property
 * {@code strata.models.dir}, else {@code models/} of the project root (three levels above {@code strata.llama.src}).
 */
class RealModelsTest {
    /** A pinned model and what its GGUF must say about itself; parameters count every tensor, an untied output head too. */
    record RealModel(String family, String file, String architecture, String quantType, long minParameters,
            long maxParameters, boolean scaledInput) {
        @Override
        public String toString() {
            return family;
        }
    }

    static final List<RealModel> MODELS = List.of(
            new RealModel("smollm2", "smollm2-135m-instruct-q4_1.gguf", "llama", "q4_1", 100_000_000L, 200_000_000L, false),
            new RealModel("gemma3", "gemma3-270m-q4_k_m.gguf", "gemma3", "q4_K", 200_000_000L, 350_000_000L, true),
            new RealModel("qwen2", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2", "q4_K", 400_000_000L, 700_000_000L,
                    false));

    static final List<String> PROMPTS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "def fibonacci(n): return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)",
            "Mitochondria are the powerhouse of the cell, or so the textbooks say.",
            "Paris is the capital of France, and Berlin is the capital of Germany.",
            "In 1969 two astronauts walked on the Moon while a third orbited above.",
            "¿Dónde está la biblioteca? Está al lado del ayuntamiento.",
            "SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 3;",
            "Rivers carve valleys; glaciers carve fjords.",
            "2 + 2 = 4, and 3 * 7 = 21.",
            "She opened the letter slowly, afraid of what it might say.");
    /** 64 tokens at most, batches of up to four prompts. */
    static final ExtractOptions OPTIONS = new ExtractOptions(64, 256, 4,
            Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), 0);

    @TempDir Path tmp;

    static Stream<RealModel> models() {
        return MODELS.stream();
    }

    static Path modelsDir() {
        String dir = System.getProperty("strata.models.dir");
        if (dir != null && !dir.isBlank()) return Path.of(dir);
        // strata.llama.src is <root>/build/native/src-<version>
        return Path.of(System.getProperty("strata.llama.src")).toAbsolutePath().getParent().getParent().getParent()
                .resolve("models");
    }

    static Path present(RealModel model) {
        Path file = modelsDir().resolve(model.file());
        assumeTrue(Files.isRegularFile(file), () -> file + " is missing: run `make models` (or `make models MODELS="
                + model.family() + "`) to fetch the " + model.family() + " model");
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void theSummaryDescribesTheModel(RealModel model) throws IOException {
        Path file = present(model);
        ModelSummary summary;
        try (GgufFile gguf = GgufFile.open(file)) {
            summary = ModelSummary.of(gguf);
        }
        assertEquals(model.architecture(), summary.architecture());
        assertEquals(Files.size(file), summary.fileSize());
        assertTrue(summary.blocks().orElse(0) > 0, "blocks: " + summary.blocks());
        assertTrue(summary.embeddingLength().orElse(0) > 0, "width: " + summary.embeddingLength());
        assertTrue(summary.vocabularySize().orElse(0) > 1000, "vocabulary: " + summary.vocabularySize());
        assertTrue(summary.contextLength().orElse(0) >= 2048, "context: " + summary.contextLength());
        assertTrue(Long.parseLong(summary.heads()) > 0 && Long.parseLong(summary.kvHeads()) > 0,
                "heads " + summary.heads() + ", kv heads " + summary.kvHeads());
        assertTrue(summary.tensorTypes().containsKey(model.quantType()),
                model.file() + " should hold " + model.quantType() + " tensors: " + summary.tensorTypes());
        assertTrue(summary.tensorTypes().containsKey("f32"), "norms are f32: " + summary.tensorTypes());
        assertTrue(summary.parameterCount() >= model.minParameters() && summary.parameterCount() <= model.maxParameters(),
                "parameters: " + summary.parameterCount());
        String text = summary.format();
        assertTrue(text.contains("architecture:") && text.contains(model.architecture()), text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void extractionGivesFiniteDistinctVectorsForEveryLayer(RealModel model) throws IOException {
        Path file = present(model);
        long blocks;
        long width;
        try (GgufFile gguf = GgufFile.open(file)) {
            blocks = gguf.integer(model.architecture() + ".block_count").orElseThrow();
            width = gguf.integer(model.architecture() + ".embedding_length").orElseThrow();
        }
        Path corpusFile = tmp.resolve("prompts.txt");
        Files.write(corpusFile, PROMPTS);
        Corpus corpus = Corpus.load(corpusFile);
        int n = corpus.size();
        assertEquals(PROMPTS.size(), n);
        Path out = tmp.resolve("out");
        Extractor.Result result = new Extractor("test").run(file, corpus, out, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {});
        assertEquals(n, result.prompts());
        assertTrue(result.tokens() >= n, "tokens: " + result.tokens());

        CpuBackend cpu = Ggml.cpuBackend();
        for (String pooling : List.of("last", "mean")) {
            try (SafetensorsReader reader = SafetensorsReader.open(out.resolve("activations-" + pooling + ".safetensors"))) {
                // Variants round differently: the file names the one that ran, so a difference in the last bits shows.
                assertEquals(cpu.variant().orElse(null), reader.metadata().get("llama_cpu_variant"));
                assertEquals(String.join(" ", cpu.features()), reader.metadata().get("llama_cpu_features"));
                assertEquals(Long.toString(blocks), reader.metadata().get("n_layer"));
                assertEquals(Long.toString(width), reader.metadata().get("n_embd"));
                assertEquals(model.architecture(), reader.metadata().get("architecture"));
                for (int layer = 0; layer <= blocks + 1; layer++) {
                    String name = layer <= blocks ? "layers." + layer : "final_norm";
                    assertTrue(reader.has(name), pooling + ": no " + name + " among " + reader.tensors());
                    assertArrayEquals(new long[] {n, width}, reader.tensor(name).shape(), pooling + " " + name);
                    float[][] rows = reader.readMatrix(name);
                    for (int p = 0; p < n; p++) {
                        double norm = 0;
                        for (float v : rows[p]) {
                            assertTrue(Float.isFinite(v), pooling + " " + name + " prompt " + p + " holds " + v);
                            norm += (double) v * v;
                        }
                        assertTrue(norm > 0, pooling + " " + name + " prompt " + p + " is all zeros");
                    }
                }
                assertFalse(reader.has("layers." + (blocks + 1)), "one layers.i per block and the input");
                String middle = "layers." + blocks / 2;
                float[][] rows = reader.readMatrix(middle);
                for (int a = 0; a < n; a++) {
                    for (int b = a + 1; b < n; b++) {
                        double cos = cosine(rows[a], rows[b]);
                        assertTrue(cos < 0.9999, pooling + " " + middle + ": prompts " + a + " and " + b + " have cosine " + cos);
                    }
                }
            }
        }
        checkInputEmbeddings(model, file, out, width);
        checkLastAloneAgrees(file, corpus, out);
    }

    /**
     * Last pooling alone makes only each prompt's last token an output: the graph's last block then holds one row per
     * prompt, in prompt order. Its vectors must be those of the run that stored both poolings.
     */
    private void checkLastAloneAgrees(Path file, Corpus corpus, Path both) throws IOException {
        Path alone = tmp.resolve("last-alone");
        new Extractor("test").run(file, corpus, alone, OPTIONS.withPoolings(java.util.EnumSet.of(Pooling.LAST)), IfExists.REFUSE, (d, t, k, s) -> {});
        assertFalse(Files.exists(alone.resolve(Pooling.MEAN.fileName())));
        try (SafetensorsReader expected = SafetensorsReader.open(both.resolve(Pooling.LAST.fileName()));
             SafetensorsReader actual = SafetensorsReader.open(alone.resolve(Pooling.LAST.fileName()))) {
            for (SafetensorsReader.TensorInfo tensor : expected.tensors()) {
                float[][] want = expected.readMatrix(tensor.name());
                float[][] got = actual.readMatrix(tensor.name());
                for (int p = 0; p < want.length; p++) {
                    double diff = 0, norm = 0;
                    for (int d = 0; d < want[p].length; d++) {
                        diff += (want[p][d] - got[p][d]) * (double) (want[p][d] - got[p][d]);
                        norm += want[p][d] * (double) want[p][d];
                    }
                    assertTrue(Math.sqrt(diff / norm) < 1e-4, tensor.name() + " prompt " + p + ": relative difference "
                            + Math.sqrt(diff / norm) + " between last alone and both poolings");
                }
            }
        }
    }

    /**
     * layers.0 (last token) against the token's row of token_embd, dequantized here when it is q8_0: equal for most
     * architectures, times sqrt(n_embd) for Gemma, whose graph scales the embeddings (inp_scaled) before block 0.
     */
    private static void checkInputEmbeddings(RealModel model, Path file, Path out, long width) throws IOException {
        float[][] stored;
        try (SafetensorsReader reader = SafetensorsReader.open(out.resolve("activations-last.safetensors"))) {
            stored = reader.readMatrix("layers.0");
        }
        try (GgufFile gguf = GgufFile.open(file); LoadedModel loaded = LoadedModel.open(file, 0)) {
            GgufFile.TensorInfo embd = gguf.tensor("token_embd.weight").orElseThrow();
            if (embd.type() != GgmlType.Q8_0) {
                System.out.println(model.family() + ": token_embd is " + embd.type().ggmlName()
                        + ", not q8_0: the layers.0 scale check is skipped");
                assertTrue(!model.scaledInput(), "the Gemma check needs a q8_0 token_embd");
                return;
            }
            double scale = model.scaledInput() ? Math.sqrt(width) : 1.0;
            for (int p = 0; p < PROMPTS.size(); p++) {
                int[] tokens = loaded.tokenize(PROMPTS.get(p));
                int last = tokens[Math.min(tokens.length, OPTIONS.maxTokens()) - 1];
                float[] row = q8Row(gguf.data(embd), last, (int) width);
                double dot = 0, rowNorm = 0, storedNorm = 0, diff = 0;
                for (int d = 0; d < width; d++) {
                    dot += row[d] * (double) stored[p][d];
                    rowNorm += row[d] * (double) row[d];
                    storedNorm += stored[p][d] * (double) stored[p][d];
                    double e = scale * row[d] - stored[p][d];
                    diff += e * e;
                }
                double ratio = Math.sqrt(storedNorm / rowNorm);
                assertTrue(Math.abs(ratio / scale - 1) < 1e-3, model.family() + " prompt " + p
                        + ": |layers.0| / |token_embd row| = " + ratio + ", expected " + scale);
                assertTrue(dot > 0 && Math.sqrt(diff / storedNorm) < 1e-4, model.family() + " prompt " + p
                        + ": layers.0 is not " + scale + " x the embedding of token " + last);
            }
        }
    }

    /** Row {@code row} of a q8_0 matrix with {@code width} columns: blocks of an f16 scale and 32 int8. */
    private static float[] q8Row(MemorySegment data, int row, int width) {
        ValueLayout.OfShort f16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int blocks = width / 32;
        long base = (long) row * blocks * 34;
        float[] values = new float[width];
        for (int b = 0; b < blocks; b++) {
            long block = base + b * 34L;
            float d = Float.float16ToFloat(data.get(f16, block));
            for (int i = 0; i < 32; i++) values[b * 32 + i] = d * data.get(JAVA_BYTE, block + 2 + i);
        }
        return values;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
