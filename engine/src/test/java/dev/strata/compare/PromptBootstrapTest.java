package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.compare.PromptBootstrap.Intervals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromptBootstrapTest {
    static final int N = 9;
    static final int K = 3;

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] sorted = {0, 10, 20, 30, 40};
        assertEquals(0, PromptBootstrap.quantile(sorted, 0), 0);
        assertEquals(40, PromptBootstrap.quantile(sorted, 1), 0);
        assertEquals(1, PromptBootstrap.quantile(sorted, 0.025), 1e-12);
        assertEquals(39, PromptBootstrap.quantile(sorted, 0.975), 1e-12);
        assertEquals(20, PromptBootstrap.quantile(sorted, 0.5), 0);
    }

    @Test
    void promptScoresAverageToTheMatrixDiagonalMeans() {
        NeighbourTable a = randomTable(2, 1);
        NeighbourTable b = randomTable(3, 2);
        double[][] scores = PromptBootstrap.promptScores(a, b);
        SimilarityStats.DiagonalMeans means = SimilarityStats.diagonalMeans(NeighbourSimilarity.matrix(a, b, SimilarityMetric.MKNN));
        assertEquals(means.on(), Arrays.stream(scores[0]).average().orElseThrow(), 1e-12);
        assertEquals(means.off(), Arrays.stream(scores[1]).average().orElseThrow(), 1e-12);
    }

    @Test
    void intervalsMatchANaiveBootstrapWithTheSameDraws() {
        NeighbourTable a = randomTable(2, 1);
        NeighbourTable b = randomTable(3, 2);
        int resamples = 200;
        long seed = 42;
        List<Intervals> intervals = PromptBootstrap.allPairs(List.of(a, b), resamples, seed);
        assertEquals(3, intervals.size());

        // Independently: draw the same indices, recompute every cell of the 2 x 3 matrix from sets over the drawn
        // prompts (a prompt drawn twice counts twice), then the means of the cells j - i in {0, 1} and of the others.
        SplittableRandom random = new SplittableRandom(seed);
        double[][] replicates = new double[3][resamples];
        for (int r = 0; r < resamples; r++) {
            int[] drawn = new int[N];
            for (int d = 0; d < N; d++) drawn[d] = random.nextInt(N);
            double onSum = 0;
            double offSum = 0;
            for (int f = 0; f < 2; f++) {
                for (int g = 0; g < 3; g++) {
                    double cell = 0;
                    for (int t : drawn) cell += overlap(a, f, b, g, t) / (double) K;
                    cell /= N;
                    if (g - f == 0 || g - f == 1) onSum += cell;
                    else offSum += cell;
                }
            }
            replicates[0][r] = onSum / 4;
            replicates[1][r] = offSum / 2;
            replicates[2][r] = onSum / 4 - offSum / 2;
        }
        Intervals across = intervals.get(1);
        PromptBootstrap.Interval[] got = {across.on(), across.off(), across.difference()};
        for (int s = 0; s < 3; s++) {
            double[] sorted = replicates[s].clone();
            Arrays.sort(sorted);
            // Positions 0.025 * 199 = 4.975 and 0.975 * 199 = 194.025.
            double low = sorted[4] + 0.975 * (sorted[5] - sorted[4]);
            double high = sorted[194] + 0.025 * (sorted[195] - sorted[194]);
            assertEquals(low, got[s].low(), 1e-12, "statistic " + s);
            assertEquals(high, got[s].high(), 1e-12, "statistic " + s);
            assertTrue(got[s].low() <= got[s].high());
        }
    }

    @Test
    void theSameSeedGivesTheSameIntervalsAndAnIdenticalPairHasNoSpreadOnTheDiagonal() {
        NeighbourTable a = randomTable(3, 5);
        assertEquals(PromptBootstrap.allPairs(List.of(a), 50, 7), PromptBootstrap.allPairs(List.of(a), 50, 7));
        Intervals self = PromptBootstrap.allPairs(List.of(a), 50, 7).getFirst();
        assertEquals(new PromptBootstrap.Interval(1, 1), self.on());
    }

    private static int overlap(NeighbourTable a, int f, NeighbourTable b, int g, int t) {
        Set<Integer> fromA = new HashSet<>();
        for (int q = 0; q < K; q++) fromA.add(a.neighbours()[(f * N + t) * K + q]);
        int shared = 0;
        for (int q = 0; q < K; q++) if (fromA.contains(b.neighbours()[(g * N + t) * K + q])) shared++;
        return shared;
    }

    /** Valid lists: K distinct prompts other than t, drawn at random. */
    static NeighbourTable randomTable(int layers, long seed) {
        Random random = new Random(seed);
        int[] all = new int[layers * N * K];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < N; t++) {
                List<Integer> others = new ArrayList<>();
                for (int u = 0; u < N; u++) if (u != t) others.add(u);
                java.util.Collections.shuffle(others, random);
                for (int q = 0; q < K; q++) all[(l * N + t) * K + q] = others.get(q);
            }
        }
        return NeighbourTable.of(layers, N, K, all);
    }
}
