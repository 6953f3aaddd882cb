package dev.strata.compare;

import java.util.List;

/**
 * Everything summary.json reports about one similarity matrix (rows = model A's layers).
 *
 * @param chance                 k/(n-1), the expected M of unrelated neighbour sets; NaN for cka
 * @param rowArgmax              for each layer of A (row), B's most similar layer (0-based column)
 * @param columnArgmax           for each layer of B (column), A's most similar layer (0-based row)
 * @param rowArgmaxSpearman      Spearman(row index, rowArgmax); NaN when either is constant
 * @param decay                  within-model: mean by layer offset |i - j|; across models: by |j - argmax(i)|
 */
public record Summary(SimilarityMetric metric, int k, int n, double chance, boolean withinModel,
                      double onDiagonalMean, double offDiagonalMean,
                      int[] rowArgmax, double rowArgmaxSpearman, int[] columnArgmax, double columnArgmaxSpearman,
                      List<SimilarityStats.PermutationTest> permutationTests,
                      List<SimilarityStats.DepthPoint> rowMaxima, List<SimilarityStats.DepthPoint> columnMaxima,
                      List<SimilarityStats.DepthPoint> rowArgmaxDepth, List<SimilarityStats.DepthPoint> columnArgmaxDepth,
                      List<SimilarityStats.DecayPoint> decay) {

    /** Block counts of the permutation test, as in the paper. */
    public static final List<Integer> PERMUTATION_BLOCKS = List.of(5, 10);

    /**
     * How to summarise: the metric and table sizes (for the chance level), whether both axes are the same
     * model (which decay curve), and the permutation test's resamples and seed.
     */
    public record Options(SimilarityMetric metric, int k, int n, boolean withinModel, int resamples, long seed) {
        public static final int DEFAULT_RESAMPLES = 1000;
        public static final long DEFAULT_SEED = 20250411;

        public static Options defaults(SimilarityMetric metric, int k, int n, boolean withinModel) {
            return new Options(metric, k, n, withinModel, DEFAULT_RESAMPLES, DEFAULT_SEED);
        }
    }

    /** The p-value of the permutation test with {@code blocks} blocks; NaN when there is none. */
    public double permutationP(int blocks) {
        return permutationTests.stream().filter(t -> t.blocks() == blocks).findFirst()
                .map(SimilarityStats.PermutationTest::pValue).orElse(Double.NaN);
    }

    public static Summary of(double[][] m, Options options) {
        SimilarityStats.DiagonalMeans means = SimilarityStats.diagonalMeans(m);
        double[][] transposed = SimilarityStats.transpose(m);
        int[] rowArgmax = SimilarityStats.rowArgmax(m);
        int[] columnArgmax = SimilarityStats.rowArgmax(transposed);
        double chance = options.metric().usesNeighbours() && options.n() > 1
                ? (double) options.k() / (options.n() - 1) : Double.NaN;
        List<SimilarityStats.PermutationTest> tests = PERMUTATION_BLOCKS.stream()
                .map(b -> SimilarityStats.blockPermutationTest(m, b, options.resamples(), options.seed())).toList();
        return new Summary(options.metric(), options.k(), options.n(), chance, options.withinModel(),
                means.on(), means.off(),
                rowArgmax, SimilarityStats.indexSpearman(rowArgmax), columnArgmax, SimilarityStats.indexSpearman(columnArgmax),
                tests,
                SimilarityStats.rowMaxima(m), SimilarityStats.rowMaxima(transposed),
                SimilarityStats.argmaxDepths(m), SimilarityStats.argmaxDepths(transposed),
                options.withinModel() ? SimilarityStats.decayByLayerOffset(m) : SimilarityStats.decayFromArgmax(m));
    }
}
