package dev.strata.extract;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.Pooling;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
                assertSameAloneAndTogether(decoder, mean);
            }
        }
        // Last token alone: the last block holds one row per prompt, which must still be matched to its prompt.
        try (BatchDecoder decoder = new BatchDecoder(model, 256, 4, 2, EnumSet.of(Pooling.LAST))) {
            assertSameAloneAndTogether(decoder, false);
        }
    }

    private static void assertSameAloneAndTogether(BatchDecoder decoder, boolean mean) {
        float[][][] together = decodeTogether(decoder, mean, PROMPTS);
        for (int s = 0; s < PROMPTS.length; s++) {
            float[][] alone = decodeTogether(decoder, mean, PROMPTS[s])[0];
            for (int slot = 0; slot < alone.length; slot++) {
                assertClose(alone[slot], together[s][slot], 1e-5, "prompt " + s + " slot " + slot + " mean=" + mean);
            }
        }
    }

    @Test
    void decodingAllocatesNothingOnceWarm() {
        int[][] tokens = Arrays.stream(PROMPTS).map(model::tokenize).toArray(int[][]::new);
        int[] flat = Arrays.stream(tokens).flatMapToInt(Arrays::stream).toArray();
        int[] lengths = Arrays.stream(tokens).mapToInt(t -> t.length).toArray();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (Set<Pooling> poolings : List.of(EnumSet.allOf(Pooling.class), EnumSet.of(Pooling.LAST))) {
            try (BatchDecoder decoder = new BatchDecoder(model, 256, 4, 2, poolings)) {
                for (int i = 0; i < 200; i++) decoder.decode(3, flat, lengths); // warm up: JIT, first-batch checks
                // The JIT only ever removes allocations, so the best window shows the steady state; an object
                // made per batch or per graph node (~100 callbacks a batch) would show in every window.
                long perBatch = Long.MAX_VALUE;
                for (int window = 0; window < 6; window++) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 50; i++) decoder.decode(3, flat, lengths);
                    perBatch = Math.min(perBatch, (threads.getCurrentThreadAllocatedBytes() - before) / 50);
                }
                assertTrue(perBatch < 16, "decode + capture of " + poolings + " allocated " + perBatch + " bytes per batch");
            }
        }
    }

    @Test
    void modelQueriesReportTheWrittenShape() {
        var handle = model.handle();
        assertEquals(3, dev.strata.bindings.Llama.modelNLayer(handle));
        assertEquals(64, dev.strata.bindings.Llama.modelNEmbd(handle));
        assertEquals(4, dev.strata.bindings.Llama.modelNHead(handle));
        assertEquals(2, dev.strata.bindings.Llama.modelNHeadKv(handle));
        assertEquals(512, dev.strata.bindings.Llama.modelNCtxTrain(handle));
        // token_embd and output (32000 x 64 each) plus 3 blocks of attention, FFN and norms.
        long perBlock = 64 * 64 * 2 + 64 * 32 * 2 + 64 * 128 * 3 + 64 * 2;
        assertEquals(2L * 32000 * 64 + 3 * perBlock + 64, dev.strata.bindings.Llama.modelNParams(handle));
        assertTrue(dev.strata.bindings.Llama.modelDesc(handle).startsWith("llama"), dev.strata.bindings.Llama.modelDesc(handle));
    }

    @Test
    void graphTensorsOfTheCpuBackendAreHostF32WithData() {
        java.util.Map<String, long[]> seen = new java.util.LinkedHashMap<>();
        dev.strata.bindings.EvalHook.Listener listener = (tensor, ask) -> {
            String name = dev.strata.bindings.Ggml.tensorNameString(tensor);
            if (ask) return name.equals("l_out-0");
            seen.put(name, new long[] {dev.strata.bindings.Ggml.tensorType(tensor), dev.strata.bindings.Ggml.tensorData(tensor),
                    dev.strata.bindings.Ggml.tensorIsHost(tensor) ? 1 : 0, dev.strata.bindings.Ggml.tensorNe(tensor, 0)});
            return true;
        };
        try (var hook = new dev.strata.bindings.EvalHook(listener);
             var arena = java.lang.foreign.Arena.ofConfined();
             var batch = new dev.strata.bindings.Batch(8)) {
            var params = new dev.strata.bindings.ContextParams(arena).nCtx(64).nBatch(8).nUbatch(8).nSeqMax(1).nThreads(1)
                    .evalHook(hook);
            var ctx = dev.strata.bindings.Llama.contextInit(model.handle(), params);
            try {
                int[] tokens = model.tokenize("Hello world");
                for (int p = 0; p < tokens.length; p++) batch.add(tokens[p], p, 0, p == tokens.length - 1);
                assertEquals(0, dev.strata.bindings.Llama.decode(ctx, batch));
            } finally {
                dev.strata.bindings.Llama.contextFree(ctx);
            }
        }
        long[] l0 = seen.get("l_out-0");
        assertEquals(dev.strata.bindings.Ggml.TYPE_F32, l0[0]);
        assertTrue(l0[1] != 0, "data address");
        assertEquals(1, l0[2], "the CPU backend's buffers are host memory");
        assertEquals(64, l0[3], "row width");
        assertEquals("f32", dev.strata.bindings.Ggml.typeName((int) l0[0]));
    }

    @Test
    void tensorGetCopiesIntoNativeSegmentsWithinTheirBounds() {
        float[][] rows = new float[2][];
        Class<?>[] refused = new Class<?>[2];
        dev.strata.bindings.EvalHook.Listener listener = (tensor, ask) -> {
            if (ask) return dev.strata.bindings.Ggml.tensorNameString(tensor).equals("l_out-0");
            long rowBytes = dev.strata.bindings.Ggml.tensorNb(tensor, 1);
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment exact = arena.allocate(rowBytes);
                MemorySegment shifted = arena.allocate(rowBytes + 8);
                dev.strata.bindings.Ggml.tensorGet(tensor, 0, exact, 0, rowBytes);
                dev.strata.bindings.Ggml.tensorGet(tensor, 0, shifted, 8, rowBytes);
                rows[0] = exact.toArray(JAVA_FLOAT);
                rows[1] = shifted.asSlice(8).toArray(JAVA_FLOAT);
                refused[0] = thrown(() -> dev.strata.bindings.Ggml.tensorGet(tensor, 0, shifted, 16, rowBytes));
                refused[1] = thrown(() -> dev.strata.bindings.Ggml.tensorGet(tensor, 0, MemorySegment.ofArray(new byte[(int) rowBytes]), 0, rowBytes));
            }
            return true;
        };
        try (var hook = new dev.strata.bindings.EvalHook(listener);
             var arena = java.lang.foreign.Arena.ofConfined();
             var batch = new dev.strata.bindings.Batch(8)) {
            var params = new dev.strata.bindings.ContextParams(arena).nCtx(64).nBatch(8).nUbatch(8).nSeqMax(1).nThreads(1)
                    .evalHook(hook);
            var ctx = dev.strata.bindings.Llama.contextInit(model.handle(), params);
            try {
                int[] tokens = model.tokenize("Hello world");
                for (int p = 0; p < tokens.length; p++) batch.add(tokens[p], p, 0, p == tokens.length - 1);
                assertEquals(0, dev.strata.bindings.Llama.decode(ctx, batch));
            } finally {
                dev.strata.bindings.Llama.contextFree(ctx);
            }
        }
        assertEquals(64, rows[0].length);
        assertTrue(java.util.stream.IntStream.range(0, 64).anyMatch(d -> rows[0][d] != 0f), "the row holds activations");
        assertTrue(Arrays.equals(rows[0], rows[1]), "the same row at another offset of the destination");
        assertEquals(IndexOutOfBoundsException.class, refused[0], "a copy past the end of the destination");
        assertEquals(IllegalArgumentException.class, refused[1], "a heap destination");
    }

    private static Class<?> thrown(Runnable r) {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e.getClass();
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
