package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void generalizedDiagonalOfA3x5MatrixIsABandOfThreePerRow() {
        // 0 <= j - i <= 5 - 3 = 2.
        boolean[][] on = SimilarityStats.generalizedDiagonal(3, 5);
        assertArrayEquals(new boolean[] {true, true, true, false, false}, on[0]);
        assertArrayEquals(new boolean[] {false, true, true, true, false}, on[1]);
        assertArrayEquals(new boolean[] {false, false, true, true, true}, on[2]);
        boolean[][] tall = SimilarityStats.generalizedDiagonal(5, 3);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 3; j++) assertEquals(on[j][i], tall[i][j], "transpose");
        boolean[][] square = SimilarityStats.generalizedDiagonal(3, 3);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(i == j, square[i][j], "square: main diagonal only");
    }

    @Test
    void diagonalMeansSplitTheCells() {
        double[][] m = new double[3][5];
        boolean[][] on = SimilarityStats.generalizedDiagonal(3, 5);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) m[i][j] = on[i][j] ? 1 : 0;
        m[0][4] = 0.6;
        SimilarityStats.DiagonalMeans means = SimilarityStats.diagonalMeans(m);
        assertEquals(1.0, means.on(), 1e-15);
        assertEquals(0.1, means.off(), 1e-15); // 0.6 over the 6 off cells
        assertEquals(0.9, means.difference(), 1e-15);
    }

    @Test
    void argmaxPathsBreakTiesTowardTheLowerIndex() {
        double[][] m = {{0.2, 0.5, 0.5}, {0.7, 0.1, 0.7}};
        assertArrayEquals(new int[] {1, 0}, SimilarityStats.rowArgmax(m));
        assertArrayEquals(new int[] {1, 0, 1}, SimilarityStats.columnArgmax(m));
    }

    @Test
    void spearmanMatchesHandComputedValuesIncludingTies() {
        // Ranks differ by d = (-1, 1, -1, 1, 0): rho = 1 - 6 * 4 / (5 * 24) = 0.8.
        assertEquals(0.8, SimilarityStats.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 4, 3, 5}), 1e-15);
        // y = (1, 2, 2, 3) ranks (1, 2.5, 2.5, 4): Pearson of ranks = 4.5 / sqrt(5 * 4.5) = 3 / sqrt(10).
        assertEquals(3 / Math.sqrt(10), SimilarityStats.spearman(new double[] {1, 2, 3, 4}, new double[] {1, 2, 2, 3}), 1e-15);
        assertArrayEquals(new double[] {2, 3.5, 3.5, 1}, SimilarityStats.averageRanks(new double[] {10, 20, 20, 5}));
        assertTrue(Double.isNaN(SimilarityStats.indexSpearman(new int[] {4, 4, 4})), "constant path: undefined");
        // Path ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4): again 4.5 / sqrt(5 * 4.5).
        assertEquals(3 / Math.sqrt(10), SimilarityStats.indexSpearman(new int[] {0, 0, 1, 3}), 1e-15);
        assertEquals(-1.0, SimilarityStats.indexSpearman(new int[] {3, 2, 1}), 1e-15);
    }

    @Test
    void permutationTestGivesSmallPWhenTheDiagonalIsAllThatMatters() {
        double[][] identity = new double[10][10];
        for (int i = 0; i < 10; i++) identity[i][i] = 1;
        // B = 5: blocks 2x2; a shuffle reaches the observed 1.0 only if all 5 diagonal blocks land on the
        // diagonal, probability 5! 20! / 25! = 1/53130. So almost surely p = 1 / (1 + 1000).
        SimilarityStats.PermutationTest test = SimilarityStats.blockPermutationTest(identity, 5, 1000, 42);
        assertEquals(1.0, test.observed(), 1e-15);
        assertTrue(test.pValue() < 0.01, "p = " + test.pValue());
        assertEquals(1.0 / 1001, test.pValue(), 1e-15);
    }

    @Test
    void permutationTestOfAConstantMatrixGivesPOneAndIsReproducibleBySeed() {
        double[][] constant = new double[12][17];
        for (double[] row : constant) java.util.Arrays.fill(row, 0.3);
        assertEquals(1.0, SimilarityStats.blockPermutationTest(constant, 5, 200, 7).pValue(), 1e-15);

        double[][] ridge = ridge(12, 17);
        var first = SimilarityStats.blockPermutationTest(ridge, 5, 300, 99);
        var again = SimilarityStats.blockPermutationTest(ridge, 5, 300, 99);
        assertEquals(first, again);
        assertTrue(first.pValue() > 0 && first.pValue() < 0.05, "ridge on uneven blocks: p = " + first.pValue());
        assertTrue(Double.isNaN(SimilarityStats.blockPermutationTest(ridge(4, 9), 5, 10, 1).pValue()),
                "fewer rows than blocks: no test");
    }

    @Test
    void blockCutsAreNearEqualAndContiguous() {
        // floor(b * 12 / 5) for b = 0..5.
        assertArrayEquals(new int[] {0, 2, 4, 7, 9, 12}, SimilarityStats.blockCuts(12, 5));
        assertArrayEquals(new int[] {0, 3, 6, 9}, SimilarityStats.blockCuts(9, 3));
    }

    @Test
    void proportionalDepthPlacesFirstAtZeroAndLastAtOne() {
        assertEquals(0.0, SimilarityStats.depth(0, 5));
        assertEquals(0.5, SimilarityStats.depth(2, 5));
        assertEquals(1.0, SimilarityStats.depth(4, 5));
        assertEquals(0.0, SimilarityStats.depth(0, 1));
    }

    @Test
    void proportionalDepthGridAveragesCellsPerBin() {
        // Depths 0, 0.5, 1 fall in bins 0, 1, 1 of two.
        double[][] m = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
        double[][] grid = SimilarityStats.proportionalDepthGrid(m, 2);
        assertArrayEquals(new double[] {1, 2.5}, grid[0], 1e-15);
        assertArrayEquals(new double[] {5.5, 7}, grid[1], 1e-15);
        assertTrue(Double.isNaN(SimilarityStats.proportionalDepthGrid(new double[][] {{1, 2}}, 3)[0][1]), "empty bin");

        ProportionalDepthMap map = new ProportionalDepthMap(2);
        map.add(m);
        map.add(new double[][] {{0, 0}, {0, 1}});
        // Each matrix's grid weighs the same: (grid + {{0,0},{0,1}}) / 2.
        assertArrayEquals(new double[] {0.5, 1.25}, map.mean()[0], 1e-15);
        assertArrayEquals(new double[] {2.75, 4}, map.mean()[1], 1e-15);

        ProportionalDepthMap both = new ProportionalDepthMap(3);
        both.addBothOrientations(new double[][] {{1, 2, 3}, {4, 5, 6}});
        double[][] mean = both.mean();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(mean[i][j], mean[j][i], 1e-15, "symmetric");
    }

    @Test
    void rowMaximaAndArgmaxDepths() {
        double[][] m = {{0.1, 0.9, 0.2}, {0.3, 0.3, 0.8}};
        assertEquals(List.of(new SimilarityStats.DepthPoint(0, 0.9), new SimilarityStats.DepthPoint(1, 0.8)),
                SimilarityStats.rowMaxima(m));
        assertEquals(List.of(new SimilarityStats.DepthPoint(0, 0.5), new SimilarityStats.DepthPoint(1, 1)),
                SimilarityStats.argmaxDepths(m));
    }

    @Test
    void decayCurvesByLayerOffsetAndByDistanceFromArgmax() {
        double[][] within = {{1, .5, .2}, {.5, 1, .5}, {.2, .5, 1}};
        assertEquals(List.of(new SimilarityStats.DecayPoint(0, 1, 3), new SimilarityStats.DecayPoint(1, .5, 4),
                new SimilarityStats.DecayPoint(2, .2, 2)), SimilarityStats.decayByLayerOffset(within));

        // Argmax columns 1 and 2: distance 0 holds .9, .8; distance 1 holds .1, .2, .3; distance 2 holds .3.
        List<SimilarityStats.DecayPoint> cross = SimilarityStats.decayFromArgmax(new double[][] {{0.1, 0.9, 0.2}, {0.3, 0.3, 0.8}});
        assertEquals(3, cross.size());
        assertEquals(0.85, cross.get(0).mean(), 1e-15);
        assertEquals(0.2, cross.get(1).mean(), 1e-15);
        assertEquals(3, cross.get(1).cells());
        assertEquals(0.3, cross.get(2).mean(), 1e-15);
    }

    @Test
    void summaryCollectsTheStatistics() {
        double[][] m = ridge(6, 8);
        Summary s = Summary.of(m, new Summary.Options(SimilarityMetric.MKNN, 10, 2048, false, 100, 1));
        assertEquals(10.0 / 2047, s.chance(), 1e-15);
        assertTrue(s.onDiagonalMean() > s.offDiagonalMean());
        assertEquals(1.0, s.rowArgmaxSpearman(), 1e-12);
        assertEquals(List.of(5, 10), s.permutationTests().stream().map(SimilarityStats.PermutationTest::blocks).toList());
        assertTrue(Double.isNaN(s.permutationTests().get(1).pValue()), "6 rows cannot hold 10 blocks");
        assertEquals(6, s.rowMaxima().size());
        assertEquals(8, s.columnMaxima().size());
        assertTrue(Double.isNaN(Summary.of(m, Summary.Options.defaults(SimilarityMetric.CKA, 0, 0, false)).chance()));
    }

    /** A smooth ridge along proportional depth: high where the two depths agree. */
    static double[][] ridge(int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double gap = SimilarityStats.depth(i, rows) - SimilarityStats.depth(j, cols);
                m[i][j] = 0.1 + 0.7 * Math.exp(-gap * gap / 0.01);
            }
        }
        return m;
    }
}
