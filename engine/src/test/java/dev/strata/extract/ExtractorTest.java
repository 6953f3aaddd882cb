package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.GgufFormatException;
import dev.strata.gguf.RandomLlamaModel;
import dev.strata.gguf.ReferenceLlama;
import dev.strata.io.SafetensorsReader;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import dev.strata.store.StoreExistsException;
import dev.strata.store.StoreMismatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractorTest {
    static final List<String> PROMPTS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Hello world",
            "Layers at similar depths generate similar activations across architectures.",
            "A",
            "Mitochondria are the powerhouse of the cell, or so the textbooks say.",
            "In 1969 two astronauts walked on the Moon while a third orbited above.",
            "Rivers carve valleys; glaciers carve fjords.");
    static final ExtractOptions SMALL_BATCHES = new ExtractOptions(64, 64, 3, 2, 0);

    @TempDir Path tmp;

    Corpus corpus() throws IOException {
        Path file = tmp.resolve("prompts.txt");
        if (!Files.exists(file)) Files.write(file, PROMPTS);
        return Corpus.load(file);
    }

    static final class Crash extends RuntimeException {}

    @Test
    void everyStoredVectorMatchesAnIndependentForwardPass() throws IOException {
        Path out = tmp.resolve("out");
        new Extractor("test").run(TestModels.tinyF32(), corpus(), out, SMALL_BATCHES.withPoolings(EnumSet.allOf(Pooling.class)),
                IfExists.REFUSE, (d, t, k, s) -> {});
        ReferenceLlama reference;
        try (GgufFile gguf = GgufFile.open(TestModels.tinyF32())) {
            reference = ReferenceLlama.load(gguf);
        }
        try (LoadedModel model = LoadedModel.open(TestModels.tinyF32(), 0);
             SafetensorsReader last = SafetensorsReader.open(out.resolve("activations-last.safetensors"));
             SafetensorsReader skipFirst = SafetensorsReader.open(out.resolve("activations-mean-skip-first.safetensors"));
             SafetensorsReader mean = SafetensorsReader.open(out.resolve("activations-mean.safetensors"))) {
            assertEquals("last", last.metadata().get("pooling"));
            assertEquals("3", last.metadata().get("n_layer"));
            int layers = model.nLayer();
            assertEquals("0 (the BOS token the model adds; a prompt of one token keeps it)",
                    skipFirst.metadata().get("skipped_positions"));
            assertFalse(last.metadata().containsKey("skipped_positions"), "the last-token file is as it was");
            float[][][] stored = new float[3][][];
            for (int p = 0; p < PROMPTS.size(); p++) {
                ReferenceLlama.Result r = reference.forward(model.tokenize(PROMPTS.get(p)));
                for (int tensor = 0; tensor <= layers + 1; tensor++) {
                    String name = tensor <= layers ? "layers." + tensor : "final_norm";
                    double[][] rows = tensor <= layers ? r.hidden(tensor) : r.output();
                    stored[0] = last.readMatrix(name);
                    stored[1] = mean.readMatrix(name);
                    assertClose(rows[rows.length - 1], stored[0][p], name + " last, prompt " + p);
                    assertClose(average(rows), stored[1][p], name + " mean, prompt " + p);
                    stored[2] = skipFirst.readMatrix(name);
                    assertClose(average(java.util.Arrays.copyOfRange(rows, 1, rows.length)), stored[2][p],
                            name + " mean-skip-first, prompt " + p);
                }
            }
        }
    }

    @Test
    void eachPoolingAloneStoresWhatAllTogetherStore() throws IOException {
        Path together = tmp.resolve("all");
        Extractor extractor = new Extractor("test");
        extractor.run(TestModels.tinyF32(), corpus(), together, SMALL_BATCHES.withPoolings(EnumSet.allOf(Pooling.class)),
                IfExists.REFUSE, (d, t, k, s) -> {});
        for (Pooling pooling : Pooling.values()) {
            // Last alone makes only each prompt's last token an output, so the last block runs on fewer rows.
            Path alone = tmp.resolve(pooling.label());
            extractor.run(TestModels.tinyF32(), corpus(), alone, SMALL_BATCHES.withPoolings(EnumSet.of(pooling)), IfExists.REFUSE, (d, t, k, s) -> {});
            Pooling other = pooling == Pooling.LAST ? Pooling.MEAN : Pooling.LAST;
            assertFalse(Files.exists(alone.resolve(other.fileName())), other + " is not stored");
            try (SafetensorsReader expected = SafetensorsReader.open(together.resolve(pooling.fileName()));
                 SafetensorsReader actual = SafetensorsReader.open(alone.resolve(pooling.fileName()))) {
                List<String> names = expected.tensors().stream().map(SafetensorsReader.TensorInfo::name).toList();
                assertEquals(names, actual.tensors().stream().map(SafetensorsReader.TensorInfo::name).toList());
                for (String name : names) {
                    float[][] want = expected.readMatrix(name);
                    float[][] got = actual.readMatrix(name);
                    for (int p = 0; p < PROMPTS.size(); p++) {
                        for (int d = 0; d < want[p].length; d++) {
                            assertEquals(want[p][d], got[p][d], 1e-5 * (1 + Math.abs(want[p][d])),
                                    pooling + " " + name + ", prompt " + p + ", dim " + d);
                        }
                    }
                }
            }
        }
        StoreMismatchException e = assertThrows(StoreMismatchException.class, () -> extractor.run(TestModels.tinyF32(),
                corpus(), tmp.resolve("last"), SMALL_BATCHES, IfExists.RESUME, (d, t, k, s) -> {}));
        assertTrue(e.getMessage().contains("poolings last, this run uses last+mean"), e.getMessage());
    }

    @Test
    void aRunStoppedMidwayResumesToTheSameBytes() throws IOException {
        Path whole = tmp.resolve("whole");
        Path broken = tmp.resolve("broken");
        Extractor extractor = new Extractor("test");
        extractor.run(TestModels.tinyF32(), corpus(), whole, SMALL_BATCHES, IfExists.REFUSE, (d, t, k, s) -> {});
        assertThrows(Crash.class, () -> extractor.run(TestModels.tinyF32(), corpus(), broken, SMALL_BATCHES, IfExists.REFUSE,
                (done, total, k, s) -> {
                    if (done >= 4) throw new Crash();
                }));
        assertThrows(StoreExistsException.class,
                () -> extractor.run(TestModels.tinyF32(), corpus(), broken, SMALL_BATCHES, IfExists.REFUSE, (d, t, k, s) -> {}),
                "an unfinished run is not silently replaced");
        // Asked with another batch shape, the resumed run keeps the one it began with, so the bytes still match.
        ExtractOptions otherBatches = new ExtractOptions(64, 128, 5, 1, 0);
        Extractor.Result resumed = extractor.run(TestModels.tinyF32(), corpus(), broken, otherBatches, IfExists.RESUME, (d, t, k, s) -> {});
        assertTrue(resumed.tokens() > 0 && resumed.prompts() == PROMPTS.size());
        for (String file : List.of("activations-last.safetensors", "activations-mean.safetensors", "prompts.jsonl")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(broken.resolve(file)), file);
        }
        assertTrue(extractor.run(TestModels.tinyF32(), corpus(), broken, SMALL_BATCHES, IfExists.RESUME, (d, t, k, s) -> {})
                .alreadyComplete());
    }

    @Test
    void resumingWithAnotherModelOrOptionsIsRefused() throws IOException {
        Path out = tmp.resolve("out");
        Extractor extractor = new Extractor("test");
        assertThrows(Crash.class, () -> extractor.run(TestModels.tinyF32(), corpus(), out, SMALL_BATCHES, IfExists.REFUSE,
                (done, total, k, s) -> {
                    throw new Crash();
                }));
        Path other = tmp.resolve("other.gguf");
        RandomLlamaModel.builder().vocabularyFrom(TestModels.llamaVocab()).blocks(3).width(64).heads(4).kvHeads(2)
                .ffnWidth(128).seed(8).weightType(GgmlType.F32).write(other);
        StoreMismatchException e = assertThrows(StoreMismatchException.class,
                () -> extractor.run(other, corpus(), out, SMALL_BATCHES, IfExists.RESUME, (d, t, k, s) -> {}));
        assertTrue(e.getMessage().contains("model sha256"), e.getMessage());
        ExtractOptions longer = new ExtractOptions(32, 64, 3, 2, 0);
        e = assertThrows(StoreMismatchException.class,
                () -> extractor.run(TestModels.tinyF32(), corpus(), out, longer, IfExists.RESUME, (d, t, k, s) -> {}));
        assertTrue(e.getMessage().contains("max_tokens=32"), e.getMessage());
    }

    @Test
    void longPromptsAreCutAndRecorded() throws IOException {
        Path out = tmp.resolve("out");
        Extractor.Result r = new Extractor("test").run(TestModels.tinyF32(), corpus(), out,
                new ExtractOptions(5, 16, 4, 2, 0), IfExists.REFUSE, (d, t, k, s) -> {});
        List<String> lines = Files.readAllLines(out.resolve("prompts.jsonl"));
        assertTrue(lines.get(0).contains("\"tokens\":5") && lines.get(0).contains("\"truncated\":true"), lines.get(0));
        assertTrue(lines.get(3).contains("\"truncated\":false"), "\"A\" is two tokens with BOS: " + lines.get(3));
        assertEquals(lines.stream().filter(l -> l.contains("\"truncated\":true")).count(), r.truncated());
    }

    @Test
    void aCorruptModelIsRefusedBeforeLlamaCppSeesIt() throws IOException {
        Path bad = tmp.resolve("bad.gguf");
        byte[] good = Files.readAllBytes(TestModels.tinyF32());
        Files.write(bad, java.util.Arrays.copyOf(good, good.length / 2));
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> new Extractor("test").run(bad, corpus(), tmp.resolve("out"), SMALL_BATCHES, IfExists.REFUSE, (d, t, k, s) -> {}));
        assertTrue(e.getMessage().contains("bad.gguf"), e.getMessage());
    }

    static double[] average(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) for (int i = 0; i < mean.length; i++) mean[i] += row[i] / rows.length;
        return mean;
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            norm += expected[i] * expected[i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel < 1e-3, what + ": relative error " + rel);
    }
}
