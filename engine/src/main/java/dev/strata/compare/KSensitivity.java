package dev.strata.compare;

import dev.strata.compare.SimilarityStats.DiagonalMeans;
import java.util.ArrayList;
import java.util.List;

/**
 * Mutual k-NN for several k from one k-NN pass at k_max (method.md section 9): the first k entries of a sorted k_max
 * list are the k-list, so no neighbours are recomputed.
 */
public final class KSensitivity {
    /** The k the paper reports. */
    public static final List<Integer> PAPER_KS = List.of(1, 10, 50, 100);

    /** The on- and off-diagonal means of one pair's M at one k. */
    public record Point(int k, DiagonalMeans means) {}

    private KSensitivity() {}

    /** The paper's k that one pass at {@code kMax} covers. */
    public static List<Integer> ks(int kMax) {
        return PAPER_KS.stream().filter(k -> k <= kMax).toList();
    }

    /**
     * For every pair i <= j of {@code kMaxTables}, in the order of {@link NeighbourSimilarity#allPairs}, the diagonal
     * means of its mutual k-NN matrix at each of {@code ks}.
     */
    public static List<List<Point>> allPairs(List<NeighbourTable> kMaxTables, List<Integer> ks) {
        List<List<Point>> byPair = new ArrayList<>();
        for (int k : ks) {
            List<NeighbourTable> tables = kMaxTables.stream().map(t -> t.firstNeighbours(k)).toList();
            List<NeighbourSimilarity.PairMatrix> pairs = NeighbourSimilarity.allPairs(tables, SimilarityMetric.MKNN);
            for (int p = 0; p < pairs.size(); p++) {
                if (byPair.size() == p) byPair.add(new ArrayList<>());
                byPair.get(p).add(new Point(k, SimilarityStats.diagonalMeans(pairs.get(p).matrix())));
            }
        }
        return byPair.stream().map(List::copyOf).toList();
    }
}
