package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceLlamaTest {
    @TempDir
    Path dir;

    @Test
    void ropeAtPositionZeroIsIdentity() {
        double[] x = {0.3, -1.2, 2.5, 0.7, -0.1, 4.0, 1.0, -2.0};
        assertArrayEquals(x.clone(), ReferenceLlama.rope(x.clone(), 0, 4, 10000), 0);
    }

    @Test
    void ropeRotatesAdjacentPairsByPositionTimesFrequency() {
        // head size 4, base 100: pair 0 turns by pos * 1, pair 1 by pos * 100^(-2/4) = pos * 0.1; heads alike.
        double[] x = ReferenceLlama.rope(new double[] {1, 0, 0, 2, 1, 0, 0, 2}, 3, 4, 100);
        double[] head = {Math.cos(3), Math.sin(3), -2 * Math.sin(0.3), 2 * Math.cos(0.3)};
        assertArrayEquals(head, Arrays.copyOfRange(x, 0, 4), 1e-12);
        assertArrayEquals(head, Arrays.copyOfRange(x, 4, 8), 1e-12);
    }

    @Test
    void rmsNormScalesToUnitRootMeanSquare() {
        double[] y = ReferenceLlama.rmsNorm(new double[] {3, -3, 3, -3}, new float[] {1, 2, 1, 0.5f}, 0);
        assertArrayEquals(new double[] {1, -2, 1, -0.5}, y, 1e-12);
    }

    @Test
    void matVecReadsGgmlRowsOfInputLength() {
        float[] w = {1, 2, 3, 4, 5, 6}; // ne = [3, 2]: two rows of three
        assertArrayEquals(new double[] {1 + 4 + 9, 4 + 10 + 18}, ReferenceLlama.matVec(w, new double[] {1, 2, 3}, 3, 2));
    }

    @Test
    void singleTokenAttentionReturnsItsValuesSharedByQueryGroups() {
        Random random = new Random(5);
        double[][] q = {random.doubles(4 * 3).toArray()};
        double[][] k = {random.doubles(2 * 3).toArray()};
        double[][] v = {random.doubles(2 * 3).toArray()};
        double[] out = ReferenceLlama.attention(q, k, v, 4, 2, 3)[0];
        double[] expected = new double[12];
        for (int head = 0; head < 4; head++) {
            System.arraycopy(v[0], (head / 2) * 3, expected, head * 3, 3); // heads 0,1 read kv 0; heads 2,3 kv 1
        }
        assertArrayEquals(expected, out, 1e-12);
    }

    @Test
    void forwardGivesEmbeddingsThenOneStatePerBlockCausally() throws IOException {
        Path file = dir.resolve("model.gguf");
        RandomLlamaModel.builder().vocabularyFrom(LlamaSource.llamaVocabulary())
                .blocks(3).width(32).heads(4).kvHeads(2).ffnWidth(64).seed(11).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            ReferenceLlama model = ReferenceLlama.load(gguf);
            int[] tokens = {1, 450, 4996, 17354};
            ReferenceLlama.Result full = model.forward(tokens);

            assertEquals(4, full.hiddenStates().size(), "embeddings plus one state per block");
            float[] embeddings = gguf.floats(gguf.tensor("token_embd.weight").orElseThrow());
            for (int t = 0; t < tokens.length; t++) {
                for (int i = 0; i < 32; i++) {
                    assertEquals(embeddings[tokens[t] * 32 + i], full.hidden(0)[t][i], 0);
                }
            }
            for (int layer = 0; layer <= 3; layer++) {
                assertEquals(tokens.length, full.hidden(layer).length);
                assertEquals(32, full.hidden(layer)[0].length);
                assertTrue(Arrays.stream(full.hidden(layer)).flatMapToDouble(Arrays::stream).allMatch(Double::isFinite));
                if (layer > 0) {
                    assertFalse(Arrays.deepEquals(full.hidden(layer - 1), full.hidden(layer)), "block " + layer);
                }
            }
            float[] outputNorm = gguf.floats(gguf.tensor("output_norm.weight").orElseThrow());
            assertArrayEquals(ReferenceLlama.rmsNorm(full.hidden(3)[2], outputNorm, 1e-5), full.output()[2], 1e-12);

            ReferenceLlama.Result prefix = model.forward(tokens[0], tokens[1]);
            for (int layer = 0; layer <= 3; layer++) {
                assertArrayEquals(full.hidden(layer)[1], prefix.hidden(layer)[1], 1e-12, "later tokens are not seen");
            }
            ReferenceLlama.Result swapped = model.forward(tokens[1], tokens[0]);
            assertFalse(Arrays.equals(full.hidden(1)[1], swapped.hidden(1)[0]), "position matters through RoPE");
        }
    }
}
