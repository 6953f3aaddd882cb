package dev.strata.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Confidence intervals over prompts for the on- and off-diagonal means of mutual k-NN and their difference
 * (method.md section 9; the details it leaves open are in docs/statistics.md).
 *
 * <p>A resample draws n prompt indices with replacement ({@code random.nextInt(n)}, n times, from one
 * {@link SplittableRandom} seeded once for all resamples); a prompt drawn c times counts c times. Each cell's M is the
 * mean over the drawn prompts of their overlap |N_f(t) ∩ N_g(t)| / k, the lists staying those of the full prompt set.
 * The diagonal means are linear in the cells, so each prompt's contribution to them is computed once and a resample
 * costs O(n). Every pair sees the same resamples. Intervals are percentile intervals.
 */
public final class PromptBootstrap {
    public static final double CONFIDENCE = 0.95;

    /** A percentile interval. */
    public record Interval(double low, double high) {}

    /** One pair's intervals. */
    public record Intervals(Interval on, Interval off, Interval difference) {}

    private PromptBootstrap() {}

    /**
     * Intervals for every pair i <= j of {@code tables}, in the order of {@link NeighbourSimilarity#allPairs}.
     */
    public static List<Intervals> allPairs(List<NeighbourTable> tables, int resamples, long seed) {
        if (resamples < 1) throw new IllegalArgumentException("a bootstrap needs at least 1 resample, got " + resamples);
        List<double[][]> scores = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            for (int j = i; j < tables.size(); j++) scores.add(promptScores(tables.get(i), tables.get(j)));
        }
        int n = tables.getFirst().n();
        double[][][] replicates = new double[scores.size()][3][resamples];
        SplittableRandom random = new SplittableRandom(seed);
        int[] counts = new int[n];
        for (int r = 0; r < resamples; r++) {
            Arrays.fill(counts, 0);
            for (int draw = 0; draw < n; draw++) counts[random.nextInt(n)]++;
            for (int p = 0; p < scores.size(); p++) {
                double on = weightedMean(scores.get(p)[0], counts);
                double off = weightedMean(scores.get(p)[1], counts);
                replicates[p][0][r] = on;
                replicates[p][1][r] = off;
                replicates[p][2][r] = on - off;
            }
        }
        return Arrays.stream(replicates).map(rep -> new Intervals(interval(rep[0]), interval(rep[1]),
                interval(rep[2]))).toList();
    }

    /**
     * Each prompt's share of the diagonal means of a's and b's mutual k-NN matrix: [0][t] is the mean over on-diagonal
     * cells of t's overlap / k, [1][t] the same over off-diagonal cells (NaN where there are none). The mean over t of
     * [0] is the on-diagonal mean of the matrix.
     */
    static double[][] promptScores(NeighbourTable a, NeighbourTable b) {
        NeighbourSimilarity.requireComparable(a, b);
        int n = a.n();
        int k = a.k();
        boolean[][] onDiagonal = SimilarityStats.generalizedDiagonal(a.layers(), b.layers());
        int onCells = 0;
        for (boolean[] row : onDiagonal) for (boolean on : row) if (on) onCells++;
        int offCells = a.layers() * b.layers() - onCells;
        double[][] scores = new double[2][n];
        int[] na = a.neighbours();
        int[] nb = b.neighbours();
        int[] stamp = new int[n];
        int mark = 0;
        for (int t = 0; t < n; t++) {
            long onOverlap = 0;
            long offOverlap = 0;
            for (int f = 0; f < a.layers(); f++) {
                mark++;
                int rowA = (f * n + t) * k;
                for (int q = 0; q < k; q++) stamp[na[rowA + q]] = mark;
                for (int g = 0; g < b.layers(); g++) {
                    int rowB = (g * n + t) * k;
                    int overlap = 0;
                    for (int q = 0; q < k; q++) if (stamp[nb[rowB + q]] == mark) overlap++;
                    if (onDiagonal[f][g]) onOverlap += overlap;
                    else offOverlap += overlap;
                }
            }
            scores[0][t] = (double) onOverlap / k / onCells;
            scores[1][t] = offCells == 0 ? Double.NaN : (double) offOverlap / k / offCells;
        }
        return scores;
    }

    private static double weightedMean(double[] values, int[] counts) {
        double sum = 0;
        long total = 0;
        for (int t = 0; t < values.length; t++) {
            if (counts[t] != 0) {
                sum += counts[t] * values[t];
                total += counts[t];
            }
        }
        return sum / total;
    }

    /** The central {@link #CONFIDENCE} percentile interval of the replicates (NaN when they are). */
    static Interval interval(double[] replicates) {
        double[] sorted = replicates.clone();
        Arrays.sort(sorted);
        double tail = (1 - CONFIDENCE) / 2;
        return new Interval(quantile(sorted, tail), quantile(sorted, 1 - tail));
    }

    /** The p-quantile of sorted values, interpolating linearly between order statistics at position p (count - 1). */
    static double quantile(double[] sorted, double p) {
        double position = p * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
