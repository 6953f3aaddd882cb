package dev.strata.extract;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.store.Pooling;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mean-skip-first on the real demo models against a hand computation: a prompt of token ids written by hand (a BOS id
 * first where the model adds one) is decoded whole, and each of its tokens on its own (the last token of the prompt cut
 * after it; attention is causal, so that is the token's vector in the whole prompt); the vectors of tokens 1 .. T-1
 * are averaged here and compared with what the capture pooled.
 */
class MeanSkipFirstTest {
    /** Ordinary vocabulary entries of every demo model (all have more than 40,000). */
    static final int[] TEXT_IDS = {1000, 2000, 3000, 4000, 5000, 6000, 7000};
    /** The BOS id of the Gemma vocabulary, the one demo model that adds one. */
    static final int GEMMA_BOS = 2;

    static Stream<RealModelsTest.RealModel> models() {
        return RealModelsTest.MODELS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void meanSkipFirstIsTheMeanOfEveryTokenButTheFirst(RealModelsTest.RealModel real) throws IOException {
        try (LoadedModel model = LoadedModel.open(RealModelsTest.present(real), 0)) {
            int[] ids = model.addsBos() ? IntStream.concat(IntStream.of(model.tokenize("")[0]), Arrays.stream(TEXT_IDS))
                    .toArray() : TEXT_IDS;
            if (real.family().equals("gemma3")) assertEquals(GEMMA_BOS, ids[0], "Gemma adds its BOS token");
            int tokens = ids.length;
            int slots = model.nLayer() + 2;
            float[][][] perToken = new float[tokens][][];
            try (BatchDecoder decoder = new BatchDecoder(model, 64, 1, 2, EnumSet.of(Pooling.LAST))) {
                for (int t = 0; t < tokens; t++) {
                    decoder.decode(1, Arrays.copyOf(ids, t + 1), new int[] {t + 1});
                    perToken[t] = rows(decoder.capture().lastRows(), slots, model.width());
                }
            }
            try (BatchDecoder decoder = new BatchDecoder(model, 64, 1, 2, EnumSet.allOf(Pooling.class))) {
                decoder.decode(1, ids, new int[] {tokens});
                float[][] pooled = rows(decoder.capture().meanSkipFirstRows(), slots, model.width());
                float[][] mean = rows(decoder.capture().meanRows(), slots, model.width());
                for (int slot = 0; slot < slots; slot++) {
                    // Each prefix is decoded in its own batch shape, so llama.cpp's sums differ in the last bits, and
                    // deep layers add them up (measured up to 8.4e-3 on the quantized models); keeping the first token
                    // in, or leaving another out, misses by far more.
                    BatchDecoderTest.assertClose(average(perToken, 1, tokens, slot), pooled[slot], 2e-2,
                            real.family() + " mean-skip-first, slot " + slot);
                    BatchDecoderTest.assertClose(average(perToken, 0, tokens, slot), mean[slot], 2e-2,
                            real.family() + " mean, slot " + slot);
                }
                // A prompt of one token has nothing else to average: mean-skip-first keeps that token.
                decoder.decode(1, ids, new int[] {1});
                float[][] one = rows(decoder.capture().meanSkipFirstRows(), slots, model.width());
                float[][] last = rows(decoder.capture().lastRows(), slots, model.width());
                // Equal values; the sum starts at +0.0, so a -0.0 of the token comes back as +0.0 (delta 0 counts them equal).
                for (int slot = 0; slot < slots; slot++) assertArrayEquals(last[slot], one[slot], 0f, "slot " + slot);
            }
            assertEquals(model.addsBos() ? "0 (the BOS token the model adds; a prompt of one token keeps it)"
                    : "0 (the first token of the text: the model adds no BOS; a prompt of one token keeps it)",
                    Extractor.skippedPositions(model));
        }
    }

    /** The capture's rows of sequence 0: [slot][width]. */
    private static float[][] rows(MemorySegment segment, int slots, int width) {
        float[][] rows = new float[slots][width];
        for (int slot = 0; slot < slots; slot++) {
            // One sequence per batch, so slot s's row is the s-th row.
            for (int d = 0; d < width; d++) rows[slot][d] = segment.getAtIndex(JAVA_FLOAT, (long) slot * width + d);
        }
        return rows;
    }

    private static float[] average(float[][][] perToken, int from, int to, int slot) {
        int width = perToken[0][slot].length;
        float[] mean = new float[width];
        for (int d = 0; d < width; d++) {
            double sum = 0;
            for (int t = from; t < to; t++) sum += perToken[t][slot][d];
            mean[d] = (float) (sum / (to - from));
        }
        return mean;
    }
}
