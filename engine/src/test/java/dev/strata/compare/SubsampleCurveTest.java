package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.knn.KnnBackend;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.RowMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SubsampleCurveTest {
    private static final KnnBackend CPU = KnnBackends.cpu(2);

    @Test
    void sizesDoubleFrom256BelowTheCorpusSize() {
        assertEquals(List.of(256, 512, 1024, 2048), SubsampleCurve.sizes(4096, 10));
        assertEquals(List.of(256), SubsampleCurve.sizes(300, 10));
        assertEquals(List.of(), SubsampleCurve.sizes(256, 10));
        assertEquals(List.of(512), SubsampleCurve.sizes(600, 300));
    }

    @Test
    void subsetsAreNestedSortedAndSeeded() {
        List<int[]> subsets = SubsampleCurve.subsets(1000, List.of(256, 512), 3);
        int[] small = subsets.get(0);
        int[] large = subsets.get(1);
        assertEquals(256, Arrays.stream(small).distinct().count());
        assertTrue(Arrays.equals(small, Arrays.stream(small).sorted().toArray()));
        for (int t : small) assertTrue(Arrays.binarySearch(large, t) >= 0, t + " missing from the larger subset");
        assertTrue(Arrays.equals(small, SubsampleCurve.subsets(1000, List.of(256), 3).getFirst()));
        assertTrue(Arrays.stream(large).allMatch(t -> t >= 0 && t < 1000));
    }

    @Test
    void eachPointIsTheStudyOfTheSubsetAlone() {
        int n = 300;
        int k = 5;
        float[][][] modelA = gaussianLayers(2, n, 12, 1);
        float[][][] modelB = gaussianLayers(3, n, 9, 2);
        int[] subset = SubsampleCurve.subsets(n, List.of(256), 9).getFirst();
        List<SubsampleCurve.Point> points = SubsampleCurve.compute(List.of(matrices(modelA), matrices(modelB)), k,
                List.of(subset), CPU);
        assertEquals(1, points.size());
        assertEquals(256, points.getFirst().n());

        // Independently: copy the subset's rows out, then k-NN and M on the copies.
        NeighbourTable a = KSensitivityTest.table(matrices(select(modelA, subset)), k);
        NeighbourTable b = KSensitivityTest.table(matrices(select(modelB, subset)), k);
        List<NeighbourSimilarity.PairMatrix> pairs = NeighbourSimilarity.allPairs(List.of(a, b), SimilarityMetric.MKNN);
        for (int p = 0; p < 3; p++) {
            assertEquals(SimilarityStats.diagonalMeans(pairs.get(p).matrix()), points.getFirst().pairs().get(p));
        }
    }

    private static float[][][] gaussianLayers(int layers, int n, int dim, long seed) {
        Random random = new Random(seed);
        float[][][] all = new float[layers][n][dim];
        for (float[][] layer : all) for (float[] row : layer) for (int d = 0; d < dim; d++) row[d] = (float) random.nextGaussian();
        return all;
    }

    private static float[][][] select(float[][][] layers, int[] subset) {
        float[][][] selected = new float[layers.length][subset.length][];
        for (int l = 0; l < layers.length; l++) {
            for (int r = 0; r < subset.length; r++) selected[l][r] = layers[l][subset[r]].clone();
        }
        return selected;
    }

    private static List<RowMatrix> matrices(float[][][] layers) {
        List<RowMatrix> matrices = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) matrices.add(RowMatrix.of("L" + l, layers[l]));
        return matrices;
    }
}
