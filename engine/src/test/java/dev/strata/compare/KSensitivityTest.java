package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.compare.SimilarityStats.DiagonalMeans;
import dev.strata.knn.KnnBackend;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.NearTies;
import dev.strata.knn.RowMatrix;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KSensitivityTest {
    private static final KnnBackend CPU = KnnBackends.cpu(2);

    @Test
    void theKsAreThePapersUpToKMax() {
        assertEquals(List.of(1, 10, 50, 100), KSensitivity.ks(100));
        assertEquals(List.of(1, 10), KSensitivity.ks(49));
        assertEquals(List.of(1, 10, 50, 100), KSensitivity.ks(300));
    }

    @Test
    void firstNeighboursKeepsTheHeadOfEachList() {
        // n = 4, k = 3, one layer.
        NeighbourTable table = NeighbourTable.of(1, 4, 3, new int[] {1, 2, 3, /**/ 3, 0, 2, /**/ 0, 1, 3, /**/ 2, 1, 0});
        assertArrayEquals(new int[] {1, 3, 0, 2}, table.firstNeighbours(1).neighbours());
        assertArrayEquals(new int[] {1, 2, 3, 0, 0, 1, 2, 1}, table.firstNeighbours(2).neighbours());
        assertThrows(IllegalArgumentException.class, () -> table.firstNeighbours(4));
    }

    @Test
    void diagonalMeansAtSmallerKMatchAHandComputation() {
        // n = 4, k_max = 2, one layer each: at k = 1, A's first neighbours are 1, 0, 3, 2 and B's 1, 2, 3, 0:
        // overlaps 1, 0, 1, 0 -> M = 0.5. At k = 2 the overlaps are {1,2}&{1,3}: 1, {0,2}&{2,3}: 1, {3,0}&{3,1}: 1,
        // {2,1}&{0,1}: 1 -> M = 0.5 as well; both are single on-diagonal cells.
        NeighbourTable a = NeighbourTable.of(1, 4, 2, new int[] {1, 2, /**/ 0, 2, /**/ 3, 0, /**/ 2, 1});
        NeighbourTable b = NeighbourTable.of(1, 4, 2, new int[] {1, 3, /**/ 2, 3, /**/ 3, 1, /**/ 0, 1});
        List<List<KSensitivity.Point>> pairs = KSensitivity.allPairs(List.of(a, b), List.of(1, 2));
        assertEquals(3, pairs.size());
        List<KSensitivity.Point> across = pairs.get(1);
        assertEquals(1, across.get(0).k());
        assertEquals(0.5, across.get(0).means().on(), 1e-15);
        assertEquals(0.5, across.get(1).means().on(), 1e-15);
        assertEquals(1.0, pairs.get(0).get(0).means().on(), 1e-15);
    }

    @Test
    void kFromTheKMaxListsEqualsADirectRunAtKEvenWithTies() {
        int n = 160;
        int kMax = 100;
        List<List<RowMatrix>> models = List.of(layers(n, 3, 11), layers(n, 4, 12));
        List<NeighbourTable> kMaxTables = models.stream().map(m -> table(m, kMax)).toList();
        List<Integer> ks = List.of(1, 10, 50, 100);
        List<List<KSensitivity.Point>> fromKMax = KSensitivity.allPairs(kMaxTables, ks);
        for (int q = 0; q < ks.size(); q++) {
            int k = ks.get(q);
            List<NeighbourTable> direct = models.stream().map(m -> table(m, k)).toList();
            for (int m = 0; m < direct.size(); m++) {
                assertArrayEquals(direct.get(m).neighbours(), kMaxTables.get(m).firstNeighbours(k).neighbours(),
                        "model " + m + " at k=" + k);
            }
            List<NeighbourSimilarity.PairMatrix> pairs = NeighbourSimilarity.allPairs(direct, SimilarityMetric.MKNN);
            for (int p = 0; p < pairs.size(); p++) {
                DiagonalMeans expected = SimilarityStats.diagonalMeans(pairs.get(p).matrix());
                assertEquals(expected, fromKMax.get(p).get(q).means(), "pair " + p + " at k=" + k);
            }
        }
    }

    /** Layers of near-tied rows (duplicates and tiny perturbations of four directions): the hard case for tie order. */
    static List<RowMatrix> layers(int n, int count, long seed) {
        List<RowMatrix> layers = new ArrayList<>();
        for (int l = 0; l < count; l++) layers.add(RowMatrix.of("L" + l, NearTies.rows(n, 24, seed * 31 + l)));
        return layers;
    }

    static NeighbourTable table(List<RowMatrix> layers, int k) {
        int n = layers.getFirst().rows();
        int[] all = new int[layers.size() * n * k];
        for (int l = 0; l < layers.size(); l++) System.arraycopy(CPU.nearest(layers.get(l), k), 0, all, l * n * k, n * k);
        return NeighbourTable.of(layers.size(), n, k, all);
    }
}
