package dev.strata.knn;

import java.util.Arrays;

/**
 * Exact cosine k nearest neighbours of the rows of one layer. Obtain one from {@link KnnBackends}.
 *
 * <p>Contract shared by all backends: each row is cast to float32 and L2-normalised (no centering);
 * similarity is the dot product of the unit vectors; row {@code t} of the result holds the {@code k}
 * rows most similar to {@code t}, most similar first, {@code t} itself excluded, ties broken by the
 * lower index. Degenerate input (fewer than two rows, {@code k < 1} or {@code k >= n}, a zero row,
 * a NaN or infinite value) is an {@link IllegalArgumentException} naming the layer and the row.
 */
public interface KnnBackend {
    /** A short description for logs, e.g. "cpu (Vector API, 512-bit, 8 threads)". */
    String describe();

    /** Returns {@code int[n * k]}: row-major neighbour indices of each of the n rows. */
    int[] nearest(RowMatrix vectors, int k);

    /**
     * Returns {@code int[(to - from) * k]}: the neighbours among all n rows of rows [from, to) only, the same as
     * {@link #nearest(RowMatrix, int)} gives them (one task of a layer split into blocks of rows). This default
     * computes every row's and keeps the block's.
     */
    default int[] nearest(RowMatrix vectors, int k, int from, int to) {
        UnitRows.checkRange(vectors, from, to);
        return Arrays.copyOfRange(nearest(vectors, k), from * k, to * k);
    }
}
