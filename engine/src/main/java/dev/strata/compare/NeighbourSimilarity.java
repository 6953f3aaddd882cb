package dev.strata.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Layer-by-layer similarity of two neighbour tables on the same prompts (mknn or jaccard).
 *
 * <p>For one layer f of A and prompt t, the k neighbours N_f(t) are stamped into a marker array
 * of size n (stamp = t + 1, so it never needs clearing), then every layer g of B checks its k
 * neighbours of t against the stamps: O(k) per cell and prompt, no hashing, no allocation in the loop.
 * Rows (layers of A) run in parallel on the common fork-join pool.
 */
public final class NeighbourSimilarity {
    private NeighbourSimilarity() {}

    /** The [a.layers, b.layers] matrix of {@code metric} between every layer of a and every layer of b. */
    public static double[][] matrix(NeighbourTable a, NeighbourTable b, SimilarityMetric metric) {
        requireComparable(a, b);
        double[] scoreByOverlap = metric.scoreByOverlap(a.k());
        double[][] result = new double[a.layers()][];
        IntStream.range(0, a.layers()).parallel().forEach(la -> result[la] = row(a, la, b, scoreByOverlap));
        return result;
    }

    /** One matrix of an all-pairs study: tables i and j (i <= j; i == j is the within-model matrix). */
    public record PairMatrix(int i, int j, double[][] matrix) {}

    /**
     * Every pair i <= j of {@code tables}, self-pairs included, as one parallel job over (pair, row)
     * so that all cores stay busy even when pairs differ in size. Returned in order (0,0), (0,1), ...
     */
    public static List<PairMatrix> allPairs(List<NeighbourTable> tables, SimilarityMetric metric) {
        for (NeighbourTable t : tables) requireComparable(tables.get(0), t);
        double[] scoreByOverlap = metric.scoreByOverlap(tables.get(0).k());
        List<PairMatrix> pairs = new ArrayList<>();
        List<int[]> rowJobs = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            for (int j = i; j < tables.size(); j++) {
                int pair = pairs.size();
                pairs.add(new PairMatrix(i, j, new double[tables.get(i).layers()][]));
                for (int la = 0; la < tables.get(i).layers(); la++) rowJobs.add(new int[] {pair, la});
            }
        }
        rowJobs.parallelStream().forEach(job -> {
            PairMatrix p = pairs.get(job[0]);
            p.matrix()[job[1]] = row(tables.get(p.i()), job[1], tables.get(p.j()), scoreByOverlap);
        });
        return pairs;
    }

    /** Fails unless a and b hold neighbours of the same number of prompts with the same k. */
    public static void requireComparable(NeighbourTable a, NeighbourTable b) {
        if (a.n() != b.n() || a.k() != b.k()) {
            throw new IllegalArgumentException("tables differ: n=" + a.n() + ", k=" + a.k() + " vs n=" + b.n()
                    + ", k=" + b.k() + " (both must come from the same prompts with the same k)");
        }
    }

    /** Row la of the matrix: layer la of a against every layer of b, each cell the mean of scoreByOverlap[overlap]. */
    static double[] row(NeighbourTable a, int la, NeighbourTable b, double[] scoreByOverlap) {
        int n = a.n();
        int k = a.k();
        int lb = b.layers();
        int[] na = a.neighbours();
        int[] nb = b.neighbours();
        int[] stamp = new int[n];
        double[] sums = new double[lb];
        for (int t = 0; t < n; t++) {
            int mark = t + 1;
            int rowA = (la * n + t) * k;
            for (int q = 0; q < k; q++) stamp[na[rowA + q]] = mark;
            for (int g = 0; g < lb; g++) {
                int rowB = (g * n + t) * k;
                int overlap = 0;
                for (int q = 0; q < k; q++) {
                    if (stamp[nb[rowB + q]] == mark) overlap++;
                }
                sums[g] += scoreByOverlap[overlap];
            }
        }
        for (int g = 0; g < lb; g++) sums[g] /= n;
        return sums;
    }
}
