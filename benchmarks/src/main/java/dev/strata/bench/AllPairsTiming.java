package dev.strata.bench;

import dev.strata.compare.NeighbourSimilarity;
import dev.strata.compare.NeighbourTable;
import dev.strata.compare.SimilarityMetric;
import dev.strata.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times strata's all-pairs comparison of a study (NeighbourSimilarity.allPairs, mknn) for
 * {@code compare_all_pairs.py}: reads the int32 [layers, n, k] tables given, prints one line per run
 * ("run 1 0.123 s", the first including JIT warm-up) and writes every pair's matrix, in allPairs order,
 * as one float64 .npy [pairs, layers, layers] (all tables must have the same layer count).
 *
 * <p>Usage: {@code AllPairsTiming OUT.npy RUNS TABLE.npy...}
 */
public final class AllPairsTiming {
    private AllPairsTiming() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        List<NeighbourTable> tables = new ArrayList<>();
        for (int i = 2; i < args.length; i++) tables.add(NeighbourTable.read(Path.of(args[i])));
        List<NeighbourSimilarity.PairMatrix> pairs = null;
        for (int run = 1; run <= runs; run++) {
            long start = System.nanoTime();
            pairs = NeighbourSimilarity.allPairs(tables, SimilarityMetric.MKNN);
            System.out.printf(Locale.ROOT, "run %d %.4f s%n", run, (System.nanoTime() - start) / 1e9);
        }
        int layers = tables.get(0).layers();
        double[] flat = new double[pairs.size() * layers * layers];
        int at = 0;
        for (NeighbourSimilarity.PairMatrix p : pairs) {
            for (double[] row : p.matrix()) {
                System.arraycopy(row, 0, flat, at, layers);
                at += layers;
            }
        }
        Npy.writeFloat64(out, flat, pairs.size(), layers, layers);
    }
}
