package dev.strata.extract;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchDecoderTest {
    static final String[] PROMPTS = {
        "The quick brown fox jumps over the lazy dog.",
        "Hello world",
        "Layers at similar depths generate similar activations across architectures.",
    };
    static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = LoadedModel.open(TestModels.tinyF32(), 0);
    }

    @AfterAll
    static void free() {
        model.close();
    }

    /** Rows of all prompts decoded together: [prompt][slot][width]. */
    static float[][][] decodeTogether(BatchDecoder decoder, boolean mean, String... prompts) {
        int[][] tokens = Arrays.stream(prompts).map(model::tokenize).toArray(int[][]::new);
        int[] flat = Arrays.stream(tokens).flatMapToInt(Arrays::stream).toArray();
        int[] lengths = Arrays.stream(tokens).mapToInt(t -> t.length).toArray();
        decoder.decode(prompts.length, flat, lengths);
        LayerCapture c = decoder.capture();
        MemorySegment rows = mean ? c.meanRows() : c.lastRows();
        float[][][] out = new float[prompts.length][c.slots()][c.width()];
        for (int s = 0; s < prompts.length; s++) {
            for (int slot = 0; slot < c.slots(); slot++) {
                long base = ((long) slot * decoder.maxSeqs() + s) * c.width();
                for (int d = 0; d < c.width(); d++) out[s][slot][d] = rows.getAtIndex(JAVA_FLOAT, base + d);
            }
        }
        return out;
    }

    @Test
    void capturesEveryBlockOfEverySequence() {
        try (BatchDecoder decoder = new BatchDecoder(model, 256, 4, 2)) {
            assertEquals(5, decoder.capture().slots(), "embeddings + 3 blocks + final norm");
            float[][][] rows = decodeTogether(decoder, false, PROMPTS);
            for (float[][] prompt : rows) {
                for (float[] slot : prompt) {
                    double norm = 0;
                    for (float v : slot) {
                        assertTrue(Float.isFinite(v));
                        norm += v * v;
                    }
                    assertTrue(norm > 0, "every slot was written");
                }
            }
            // Prompts end on different tokens, so every layer tells them apart.
            for (int slot = 0; slot < 5; slot++) {
                assertTrue(!Arrays.equals(rows[0][slot], rows[1][slot]), "slot " + slot);
            }
        }
    }

    @Test
    void aPromptGivesTheSameVectorsAloneOrInABatch() {
        try (BatchDecoder decoder = new BatchDecoder(model, 256, 4, 2)) {
            for (boolean mean : new boolean[] {false, true}) {
                float[][][] together = decodeTogether(decoder, mean, PROMPTS);
                for (int s = 0; s < PROMPTS.length; s++) {
                    float[][] alone = decodeTogether(decoder, mean, PROMPTS[s])[0];
                    for (int slot = 0; slot < alone.length; slot++) {
                        assertClose(alone[slot], together[s][slot], 1e-5, "prompt " + s + " slot " + slot + " mean=" + mean);
                    }
                }
            }
        }
    }

    @Test
    void decodingAllocatesNothingOnceWarm() {
        int[][] tokens = Arrays.stream(PROMPTS).map(model::tokenize).toArray(int[][]::new);
        int[] flat = Arrays.stream(tokens).flatMapToInt(Arrays::stream).toArray();
        int[] lengths = Arrays.stream(tokens).mapToInt(t -> t.length).toArray();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (BatchDecoder decoder = new BatchDecoder(model, 256, 4, 2)) {
            for (int i = 0; i < 200; i++) decoder.decode(3, flat, lengths); // warm up: JIT, first-batch checks
            // The JIT only ever removes allocations, so the best window shows the steady state; an object
            // made per batch or per graph node (~100 callbacks a batch) would show in every window.
            long perBatch = Long.MAX_VALUE;
            for (int window = 0; window < 6; window++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50; i++) decoder.decode(3, flat, lengths);
                perBatch = Math.min(perBatch, (threads.getCurrentThreadAllocatedBytes() - before) / 50);
            }
            assertTrue(perBatch < 16, "decode + capture allocated " + perBatch + " bytes per batch");
        }
    }

    static void assertClose(float[] expected, float[] actual, double relTol, String what) {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (expected[i] - actual[i]) * (double) (expected[i] - actual[i]);
            norm += expected[i] * (double) expected[i];
        }
        assertTrue(Math.sqrt(diff) <= relTol * Math.sqrt(norm), what + ": relative error " + Math.sqrt(diff / norm));
    }
}
