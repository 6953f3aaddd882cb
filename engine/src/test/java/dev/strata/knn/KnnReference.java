package dev.strata.knn;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Brute force in double precision: normalise, all pairs, full sort with the lower-index tie rule. */
final class KnnReference {
    final double[][] sims;

    KnnReference(float[][] rows) {
        int n = rows.length;
        double[][] unit = new double[n][];
        for (int i = 0; i < n; i++) {
            double norm = Math.sqrt(Arrays.stream(toDouble(rows[i])).map(v -> v * v).sum());
            unit[i] = Arrays.stream(toDouble(rows[i])).map(v -> v / norm).toArray();
        }
        sims = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int d = 0; d < unit[i].length; d++) s += unit[i][d] * unit[j][d];
                sims[i][j] = s;
            }
        }
    }

    /** The k neighbours of row t, best first, ties by lower index. */
    int[] neighbours(int t, int k) {
        return IntStream.range(0, sims.length).filter(j -> j != t).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -sims[t][j]).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static double[] toDouble(float[] row) {
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) out[i] = row[i];
        return out;
    }
}
