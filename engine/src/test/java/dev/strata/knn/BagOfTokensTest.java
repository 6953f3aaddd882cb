package dev.strata.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BagOfTokensTest {
    @Test
    void tfidfWeightsCountTimesSmoothedIdfScaledToUnitLength() {
        // Token 1 is in all three prompts, 2 in two, 5 in one: idf = ln(4/4)+1, ln(4/3)+1, ln(4/2)+1.
        BagOfTokens.Vectors v = BagOfTokens.tfidf(new int[][] {{5, 1, 1}, {1, 2}, {2, 1, 2, 2}});
        double idf1 = 1, idf2 = Math.log(4.0 / 3) + 1, idf5 = Math.log(2) + 1;
        assertArrayEquals(new int[] {1, 5}, v.tokens()[0]);
        assertArrayEquals(unit(2 * idf1, idf5), v.weights()[0], 1e-12);
        assertArrayEquals(new int[] {1, 2}, v.tokens()[1]);
        assertArrayEquals(unit(idf1, idf2), v.weights()[1], 1e-12);
        assertArrayEquals(new int[] {1, 2}, v.tokens()[2]);
        assertArrayEquals(unit(idf1, 3 * idf2), v.weights()[2], 1e-12);
    }

    @Test
    void nearestAgreesWithSortingEveryCosine() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 60;
        int[][] prompts = new int[n][];
        for (int p = 0; p < n; p++) {
            // Short prompts over a small vocabulary, some repeated exactly, so that ties happen.
            prompts[p] = p % 7 == 6 ? prompts[p - 3].clone()
                    : random.ints(1 + random.nextInt(8), 0, 25).toArray();
        }
        BagOfTokens.Vectors v = BagOfTokens.tfidf(prompts);
        int k = 5;
        int[] expected = new int[n * k];
        for (int p = 0; p < n; p++) {
            Map<Integer, Double> a = asMap(v, p);
            double[] sims = new double[n];
            for (int q = 0; q < n; q++) {
                Map<Integer, Double> b = asMap(v, q);
                sims[q] = a.entrySet().stream().mapToDouble(e -> e.getValue() * b.getOrDefault(e.getKey(), 0.0)).sum();
            }
            int self = p;
            int[] order = IntStream.range(0, n).filter(q -> q != self).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(q -> -round(sims[q])).thenComparingInt(q -> q))
                    .mapToInt(Integer::intValue).limit(k).toArray();
            System.arraycopy(order, 0, expected, p * k, k);
        }
        assertArrayEquals(expected, BagOfTokens.nearest(v, k, 1));
        assertArrayEquals(expected, BagOfTokens.nearest(v, k, 3), "the result does not depend on the threads");
        assertEquals(3, expected[6 * k], "prompt 6, a copy of prompt 3, has it as its nearest neighbour");
    }

    /** Summation order differs from the tested code's; equal cosines must still compare equal. */
    private static double round(double sim) {
        return Math.round(sim * 1e12) / 1e12;
    }

    private static Map<Integer, Double> asMap(BagOfTokens.Vectors v, int p) {
        Map<Integer, Double> map = new HashMap<>();
        for (int i = 0; i < v.tokens()[p].length; i++) map.put(v.tokens()[p][i], v.weights()[p][i]);
        return map;
    }

    private static double[] unit(double... values) {
        double norm = Math.sqrt(Arrays.stream(values).map(x -> x * x).sum());
        return Arrays.stream(values).map(x -> x / norm).toArray();
    }
}
