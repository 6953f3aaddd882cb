package dev.strata.compare;

import dev.strata.compare.SimilarityStats.DiagonalMeans;
import dev.strata.knn.KnnBackend;
import dev.strata.knn.RowMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The diagonal means on nested random subsets of the prompts (method.md section 9): neighbourhoods depend on the set,
 * so each subset's k-NN is recomputed from the stored vectors by the k-NN backend, on those rows only.
 */
public final class SubsampleCurve {
    /** The smallest subset; each next one doubles it. */
    public static final int FIRST_SIZE = 256;

    /** Every pair's diagonal means on one subset of {@code n} prompts, pairs in the order of {@link NeighbourSimilarity#allPairs}. */
    public record Point(int n, List<DiagonalMeans> pairs) {}

    private SubsampleCurve() {}

    /** 256, 512, ... below {@code n}, each with more than k prompts (the full set is the study itself). */
    public static List<Integer> sizes(int n, int k) {
        List<Integer> sizes = new ArrayList<>();
        for (int size = FIRST_SIZE; size < n; size *= 2) if (size > k) sizes.add(size);
        return sizes;
    }

    /**
     * The prompts of each subset, ascending (so that ties between neighbours still go to the lower index): subset s is
     * the first sizes[s] prompts of one seeded random order of all n, so the subsets are nested.
     */
    public static List<int[]> subsets(int n, List<Integer> sizes, long seed) {
        int[] order = new int[n];
        for (int t = 0; t < n; t++) order[t] = t;
        SplittableRandom random = new SplittableRandom(seed);
        for (int t = n - 1; t > 0; t--) {
            int swap = random.nextInt(t + 1);
            int kept = order[t];
            order[t] = order[swap];
            order[swap] = kept;
        }
        return sizes.stream().map(size -> {
            int[] subset = Arrays.copyOf(order, size);
            Arrays.sort(subset);
            return subset;
        }).toList();
    }

    /**
     * The curve for models given as their layers (embeddings already left out), each an n x D matrix of the full
     * prompt set: for every subset, k-NN of every layer on the subset's rows, then every pair's mutual k-NN diagonal
     * means.
     */
    public static List<Point> compute(List<List<RowMatrix>> models, int k, List<int[]> subsets, KnnBackend backend) {
        List<Point> points = new ArrayList<>();
        for (int[] subset : subsets) {
            List<NeighbourTable> tables = new ArrayList<>();
            for (List<RowMatrix> layers : models) {
                int[] all = new int[layers.size() * subset.length * k];
                for (int l = 0; l < layers.size(); l++) {
                    int[] neighbours = backend.nearest(rows(layers.get(l), subset), k);
                    System.arraycopy(neighbours, 0, all, l * subset.length * k, neighbours.length);
                }
                tables.add(NeighbourTable.of(layers.size(), subset.length, k, all));
            }
            points.add(new Point(subset.length, NeighbourSimilarity.allPairs(tables, SimilarityMetric.MKNN).stream()
                    .map(p -> SimilarityStats.diagonalMeans(p.matrix())).toList()));
        }
        return points;
    }

    /** The rows of {@code matrix} listed in {@code subset}, in that order, without copying them. */
    static RowMatrix rows(RowMatrix matrix, int[] subset) {
        return new RowMatrix() {
            @Override
            public String name() {
                return matrix.name();
            }

            @Override
            public int rows() {
                return subset.length;
            }

            @Override
            public int cols() {
                return matrix.cols();
            }

            @Override
            public void copyRow(int row, float[] dst) {
                matrix.copyRow(subset[row], dst);
            }
        };
    }
}
