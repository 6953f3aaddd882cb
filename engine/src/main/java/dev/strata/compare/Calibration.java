package dev.strata.compare;

import dev.strata.compare.SimilarityStats.DiagonalMeans;

/**
 * A similarity matrix against its permutation null (method.md section 9; Gröger, Wen & Brbić 2026): under the null of
 * independence the prompt correspondence between the two sides is shuffled, the same shuffle for every cell, and the
 * metric recomputed. Details in docs/statistics.md.
 *
 * @param permutations K, the shuffles of the prompt correspondence
 * @param seed         seed of the shuffles
 * @param calibrated   each cell's calibrated score (see {@link Score#calibrated()})
 * @param nullMean     each cell's mean over the K shuffles
 * @param p            each cell's permutation p-value, not corrected for the other cells
 * @param pFamilywise  each cell's p-value corrected for all cells of the matrix (single-step max-T)
 * @param onDiagonal   the on-diagonal mean as one statistic, against the on-diagonal means of the shuffled matrices
 * @param offDiagonal  the off-diagonal mean likewise (NaN where the matrix has no off-diagonal cell)
 * @param maximum      the largest cell against the largest cell of each shuffled matrix (the paper's "max" aggregate)
 */
public record Calibration(int permutations, long seed, double[][] calibrated, double[][] nullMean, double[][] p,
                          double[][] pFamilywise, Score onDiagonal, Score offDiagonal, Score maximum) {
    /** The level of the critical value tau and of "significant". */
    public static final double ALPHA = 0.05;
    /** Shuffles per pair unless told otherwise: the paper's reference code uses 200 as well. */
    public static final int DEFAULT_PERMUTATIONS = 200;

    /**
     * One statistic against its null distribution.
     *
     * @param threshold  tau: the ceil((1 - ALPHA)(K + 1))-th smallest of the raw value and its K null values
     * @param calibrated (raw - tau) / (1 - tau), clipped to [0, 1]: 0 when the raw value is not above the null's critical
     *                   value, 1 at the metric's maximum (1 for mknn, jaccard and cka)
     * @param p          (1 + #{null >= raw}) / (1 + K)
     */
    public record Score(double raw, double nullMean, double nullSd, double threshold, double calibrated, double p) {}

    /** How many cells the matrix has. */
    public int cells() {
        return pFamilywise.length * pFamilywise[0].length;
    }

    /** How many cells stay significant at {@link #ALPHA} after the correction for all cells. */
    public int significantCells() {
        int count = 0;
        for (double[] row : pFamilywise) {
            for (double value : row) if (value <= ALPHA) count++;
        }
        return count;
    }

    /** The on- and off-diagonal means of the calibrated matrix. */
    public DiagonalMeans calibratedMeans() {
        return SimilarityStats.diagonalMeans(calibrated);
    }

    /** The smallest and the largest cell's null mean. */
    public double[] nullMeanRange() {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (double[] row : nullMean) {
            for (double value : row) {
                low = Math.min(low, value);
                high = Math.max(high, value);
            }
        }
        return new double[] {low, high};
    }
}
