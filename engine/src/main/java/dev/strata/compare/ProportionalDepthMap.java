package dev.strata.compare;

/**
 * The paper's "mean similarity" map: many matrices of different sizes placed on the unit square by
 * proportional depth and averaged into bins x bins cells. Each added matrix first becomes its own
 * binned grid ({@link SimilarityStats#proportionalDepthGrid}); the map is the mean of those grids
 * bin by bin, so every model pair weighs the same however many layers it has.
 */
public final class ProportionalDepthMap {
    private final int bins;
    private final double[][] sum;
    private final int[][] count;

    public ProportionalDepthMap(int bins) {
        if (bins < 1) throw new IllegalArgumentException("bins must be positive, got " + bins);
        this.bins = bins;
        this.sum = new double[bins][bins];
        this.count = new int[bins][bins];
    }

    /** Adds a cross-model matrix in both orientations (A against B and B against A), as the paper does. */
    public void addBothOrientations(double[][] m) {
        add(m);
        add(SimilarityStats.transpose(m));
    }

    /** Adds one matrix as it stands (rows on the map's vertical axis). */
    public void add(double[][] m) {
        double[][] grid = SimilarityStats.proportionalDepthGrid(m, bins);
        for (int i = 0; i < bins; i++) {
            for (int j = 0; j < bins; j++) {
                if (!Double.isNaN(grid[i][j])) {
                    sum[i][j] += grid[i][j];
                    count[i][j]++;
                }
            }
        }
    }

    /** The bin-wise mean of the grids added so far; NaN in bins no matrix reached. */
    public double[][] mean() {
        double[][] mean = new double[bins][bins];
        for (int i = 0; i < bins; i++) {
            for (int j = 0; j < bins; j++) mean[i][j] = count[i][j] == 0 ? Double.NaN : sum[i][j] / count[i][j];
        }
        return mean;
    }
}
