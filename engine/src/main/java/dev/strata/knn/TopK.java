package dev.strata.knn;

import java.util.Arrays;

/**
 * The k best (similarity, index) pairs seen so far for each of a set of rows, kept sorted: higher
 * similarity first, equal similarity by lower index. The order is total, so the final set does not
 * depend on the order candidates are offered in. Public for the CUDA backend ({@code dev.strata.knn.cuda}).
 */
public final class TopK {
    private final int k;
    private final float[] sims;
    private final int[] indices;
    private final int[] counts;

    public TopK(int rows, int k) {
        this.k = k;
        this.sims = new float[rows * k];
        this.indices = new int[rows * k];
        this.counts = new int[rows];
    }

    void clear() {
        Arrays.fill(counts, 0);
    }

    /** The similarity a candidate must reach to enter row {@code row}'s list (-infinity until it is full). */
    public float threshold(int row) {
        return counts[row] < k ? Float.NEGATIVE_INFINITY : sims[row * k + k - 1];
    }

    public void offer(int row, float sim, int index) {
        int base = row * k;
        int count = counts[row];
        int pos;
        if (count < k) {
            pos = count;
            counts[row] = count + 1;
        } else {
            if (!before(sim, index, sims[base + k - 1], indices[base + k - 1])) return;
            pos = k - 1;
        }
        while (pos > 0 && before(sim, index, sims[base + pos - 1], indices[base + pos - 1])) {
            sims[base + pos] = sims[base + pos - 1];
            indices[base + pos] = indices[base + pos - 1];
            pos--;
        }
        sims[base + pos] = sim;
        indices[base + pos] = index;
    }

    /** Offers row {@code row}'s entries to the same row of {@code target}. */
    void mergeInto(int row, TopK target) {
        int base = row * k;
        for (int i = 0; i < counts[row]; i++) target.offer(row, sims[base + i], indices[base + i]);
    }

    /** Copies row {@code row}'s indices, best first, to {@code dst[at, at + k)}. */
    public void copyIndices(int row, int[] dst, int at) {
        System.arraycopy(indices, row * k, dst, at, k);
    }

    /** The similarity at {@code position} (0 = best) of row {@code row}'s list. */
    public float simAt(int row, int position) {
        return sims[row * k + position];
    }

    private static boolean before(float sim, int index, float otherSim, int otherIndex) {
        return sim > otherSim || (sim == otherSim && index < otherIndex);
    }
}
