package dev.strata.knn;

import java.util.Random;

/** Test data full of near-ties: a few directions, each row a tiny perturbation of one, some rows exact duplicates. */
public final class NearTies {
    private NearTies() {}

    public static float[][] rows(int n, int dim, long seed) {
        Random rnd = new Random(seed);
        float[][] base = new float[4][dim];
        for (float[] b : base) for (int d = 0; d < dim; d++) b[d] = (float) rnd.nextGaussian();
        float[][] rows = new float[n][dim];
        for (int i = 0; i < n; i++) {
            float[] b = base[i % base.length];
            for (int d = 0; d < dim; d++) rows[i][d] = b[d] + (i % 7 == 0 ? 0f : 1e-3f * (float) rnd.nextGaussian());
        }
        return rows;
    }
}
