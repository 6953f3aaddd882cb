package dev.strata.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The statistics of method.md section 6 on one similarity matrix (rows = layers of model A,
 * columns = layers of model B, both 0-indexed here; the spec's 1-indexed layer l is index l - 1).
 */
public final class SimilarityStats {
    /** Permuted statistics within this of the observed one count as "at least as large" (rounding in the means). */
    static final double TIE_TOLERANCE = 1e-12;

    private SimilarityStats() {}

    /**
     * Which cells lie on the generalized diagonal. For m rows and n columns with m <= n (rows = the
     * shallower model), cell (i, j) is on iff 0 <= j - i <= n - m: a band of n - m + 1 cells per row
     * running from the top-left to the bottom-right corner. When m > n the matrix is treated as its
     * transpose (0 <= i - j <= m - n). When m == n the band is the main diagonal alone.
     */
    public static boolean[][] generalizedDiagonal(int rows, int cols) {
        boolean[][] on = new boolean[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int offset = rows <= cols ? j - i : i - j;
                on[i][j] = offset >= 0 && offset <= Math.abs(cols - rows);
            }
        }
        return on;
    }

    /** Mean of the cells on the generalized diagonal and of all the other cells (NaN where there are none). */
    public record DiagonalMeans(double on, double off) {
        public double difference() {
            return on - off;
        }
    }

    public static DiagonalMeans diagonalMeans(double[][] m) {
        return diagonalMeans(m, generalizedDiagonal(m.length, m[0].length));
    }

    private static DiagonalMeans diagonalMeans(double[][] m, boolean[][] onDiagonal) {
        double onSum = 0;
        double offSum = 0;
        int onCount = 0;
        int offCount = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                if (onDiagonal[i][j]) {
                    onSum += m[i][j];
                    onCount++;
                } else {
                    offSum += m[i][j];
                    offCount++;
                }
            }
        }
        return new DiagonalMeans(onSum / onCount, offSum / offCount);
    }

    /** For each row, the column holding its largest value (ties: the lower column). */
    public static int[] rowArgmax(double[][] m) {
        int[] best = new int[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 1; j < m[i].length; j++) {
                if (m[i][j] > m[i][best[i]]) best[i] = j;
            }
        }
        return best;
    }

    /** For each column, the row holding its largest value (ties: the lower row). */
    public static int[] columnArgmax(double[][] m) {
        return rowArgmax(transpose(m));
    }

    public static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) t[j][i] = m[i][j];
        }
        return t;
    }

    /** Spearman correlation between position 0, 1, ... and the values of {@code path} (an argmax path). */
    public static double indexSpearman(int[] path) {
        double[] index = new double[path.length];
        double[] value = new double[path.length];
        for (int i = 0; i < path.length; i++) {
            index[i] = i;
            value[i] = path[i];
        }
        return spearman(index, value);
    }

    /**
     * Spearman's rho: the Pearson correlation of the ranks, ties given their average rank. NaN when
     * either side is constant (or shorter than 2), where the correlation is undefined.
     */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " vs " + y.length + " values");
        return pearson(averageRanks(x), averageRanks(y));
    }

    /** Ranks 1..n; a run of tied values each gets the mean of the ranks it spans. */
    public static double[] averageRanks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (p, q) -> Double.compare(values[p], values[q]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int p = start; p <= end; p++) ranks[order[p]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) return Double.NaN;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (sxx == 0 || syy == 0) return Double.NaN;
        return sxy / Math.sqrt(sxx * syy);
    }

    /** Proportional depth of 0-based layer {@code index} among {@code count}: (l - 1)/(L - 1) with l = index + 1; 0 when L = 1. */
    public static double depth(int index, int count) {
        return count == 1 ? 0 : (double) index / (count - 1);
    }

    /** A value at a proportional depth: a row maximum, or the depth of a row's argmax. */
    public record DepthPoint(double depth, double value) {}

    /** Each row's maximum against the row's proportional depth. */
    public static List<DepthPoint> rowMaxima(double[][] m) {
        int[] best = rowArgmax(m);
        List<DepthPoint> points = new ArrayList<>();
        for (int i = 0; i < m.length; i++) points.add(new DepthPoint(depth(i, m.length), m[i][best[i]]));
        return points;
    }

    /** Each row's argmax column, as a proportional depth, against the row's proportional depth. */
    public static List<DepthPoint> argmaxDepths(double[][] m) {
        int[] best = rowArgmax(m);
        List<DepthPoint> points = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            points.add(new DepthPoint(depth(i, m.length), depth(best[i], m[i].length)));
        }
        return points;
    }

    /**
     * Places the matrix on the unit square (cell (i, j) at the point (depth of row i, depth of column j))
     * and averages the cells falling into each of bins x bins equal squares; bin b covers [b/bins, (b+1)/bins),
     * the last one closed. Empty bins (more bins than layers) are NaN. Row index = depth of model A.
     */
    public static double[][] proportionalDepthGrid(double[][] m, int bins) {
        double[][] sum = new double[bins][bins];
        int[][] count = new int[bins][bins];
        for (int i = 0; i < m.length; i++) {
            int bi = bin(depth(i, m.length), bins);
            for (int j = 0; j < m[i].length; j++) {
                int bj = bin(depth(j, m[i].length), bins);
                sum[bi][bj] += m[i][j];
                count[bi][bj]++;
            }
        }
        for (int bi = 0; bi < bins; bi++) {
            for (int bj = 0; bj < bins; bj++) sum[bi][bj] = count[bi][bj] == 0 ? Double.NaN : sum[bi][bj] / count[bi][bj];
        }
        return sum;
    }

    private static int bin(double depth, int bins) {
        return Math.min(bins - 1, (int) Math.floor(depth * bins));
    }

    /** Mean similarity at one distance: {@code cells} cells averaged into {@code mean}. */
    public record DecayPoint(int offset, double mean, int cells) {}

    /** Mean similarity against the layer offset |i - j| (for a within-model matrix: the decay curve of Claim 1). */
    public static List<DecayPoint> decayByLayerOffset(double[][] m) {
        int[] reference = new int[m.length];
        for (int i = 0; i < m.length; i++) reference[i] = i;
        return decayFrom(m, reference);
    }

    /** Mean similarity against the distance |j - argmax(i)| from each row's best column (for cross-model matrices). */
    public static List<DecayPoint> decayFromArgmax(double[][] m) {
        return decayFrom(m, rowArgmax(m));
    }

    private static List<DecayPoint> decayFrom(double[][] m, int[] referenceColumn) {
        int cols = m[0].length;
        double[] sum = new double[Math.max(cols, m.length)];
        int[] count = new int[sum.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < cols; j++) {
                int d = Math.abs(j - referenceColumn[i]);
                sum[d] += m[i][j];
                count[d]++;
            }
        }
        List<DecayPoint> curve = new ArrayList<>();
        for (int d = 0; d < sum.length; d++) {
            if (count[d] > 0) curve.add(new DecayPoint(d, sum[d] / count[d], count[d]));
        }
        return curve;
    }

    /**
     * Block permutation test of (on-diagonal mean - off-diagonal mean).
     *
     * @param pValue (1 + #{permuted statistic >= observed}) / (1 + resamples), the convention that counts
     *               the observed arrangement as one of the arrangements (never 0); NaN when the matrix has
     *               fewer rows or columns than blocks
     */
    public record PermutationTest(int blocks, int resamples, long seed, double observed, double pValue) {}

    /**
     * Cuts rows and columns each into {@code blocks} near-equal contiguous runs (see {@link #blockCuts}),
     * giving blocks x blocks blocks, then shuffles all blocks freely (a uniform permutation of the B^2 block
     * positions, Fisher-Yates on a {@link SplittableRandom} seeded with {@code seed}) and recomputes the
     * statistic with the generalized diagonal fixed in place.
     *
     * <p>Why free shuffling rather than permuting block-rows and block-columns: the same permutation on
     * both keeps diagonal blocks on the diagonal, and independent permutations only move the ridge to a
     * permutation-matrix pattern of blocks, which lands back on the diagonal with probability 1/B!
     * (so p could not fall below about 1/120 for B = 5). Free shuffling dissolves any depth alignment,
     * which is the null hypothesis the test is about.
     *
     * <p>When sizes do not divide evenly, blocks differ by one row or column; a block moved into a
     * position of a different shape is resized by nearest-index sampling (target offset r reads source
     * offset floor(r * sourceHeight / targetHeight)), duplicating or dropping at most one row or column
     * of it. When sizes divide evenly every shuffle is an exact permutation of the cells.
     */
    public static PermutationTest blockPermutationTest(double[][] m, int blocks, int resamples, long seed) {
        int rows = m.length;
        int cols = m[0].length;
        boolean[][] onDiagonal = generalizedDiagonal(rows, cols);
        double observed = diagonalMeans(m, onDiagonal).difference();
        if (rows < blocks || cols < blocks) return new PermutationTest(blocks, resamples, seed, observed, Double.NaN);
        int[] rowCuts = blockCuts(rows, blocks);
        int[] colCuts = blockCuts(cols, blocks);
        int[] order = new int[blocks * blocks];
        for (int p = 0; p < order.length; p++) order[p] = p;
        SplittableRandom random = new SplittableRandom(seed);
        double[][] shuffled = new double[rows][cols];
        int atLeastObserved = 0;
        for (int r = 0; r < resamples; r++) {
            for (int p = order.length - 1; p > 0; p--) {
                int q = random.nextInt(p + 1);
                int swap = order[p];
                order[p] = order[q];
                order[q] = swap;
            }
            for (int target = 0; target < order.length; target++) {
                int tb = target / blocks;
                int tc = target % blocks;
                int sb = order[target] / blocks;
                int sc = order[target] % blocks;
                copyBlock(m, rowCuts[sb], rowCuts[sb + 1] - rowCuts[sb], colCuts[sc], colCuts[sc + 1] - colCuts[sc],
                        shuffled, rowCuts[tb], rowCuts[tb + 1] - rowCuts[tb], colCuts[tc], colCuts[tc + 1] - colCuts[tc]);
            }
            if (diagonalMeans(shuffled, onDiagonal).difference() >= observed - TIE_TOLERANCE) atLeastObserved++;
        }
        return new PermutationTest(blocks, resamples, seed, observed, (1.0 + atLeastObserved) / (1.0 + resamples));
    }

    private static void copyBlock(double[][] from, int fromRow, int fromHeight, int fromCol, int fromWidth,
                                  double[][] to, int toRow, int toHeight, int toCol, int toWidth) {
        for (int r = 0; r < toHeight; r++) {
            double[] source = from[fromRow + r * fromHeight / toHeight];
            double[] target = to[toRow + r];
            for (int c = 0; c < toWidth; c++) target[toCol + c] = source[fromCol + c * fromWidth / toWidth];
        }
    }

    /**
     * Boundaries of {@code blocks} contiguous runs covering 0..size: run b is [cuts[b], cuts[b+1]) with
     * cuts[b] = floor(b * size / blocks), so lengths differ by at most one and the longer runs are spread out.
     */
    public static int[] blockCuts(int size, int blocks) {
        int[] cuts = new int[blocks + 1];
        for (int b = 0; b <= blocks; b++) cuts[b] = (int) ((long) b * size / blocks);
        return cuts;
    }
}
