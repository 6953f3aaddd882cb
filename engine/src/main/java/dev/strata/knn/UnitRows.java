package dev.strata.knn;

/**
 * The normalisation every k-NN backend shares, so their unit vectors are the same bit for bit: the
 * row is cast to float32 (by the source), its norm computed in double, each value divided in double
 * and rounded to float32. A zero row, a NaN or an infinite value is an IllegalArgumentException
 * naming the layer, the row and the column. Public for the CUDA backend ({@code dev.strata.knn.cuda}).
 */
public final class UnitRows {
    private UnitRows() {}

    /** Reads row {@code row} of {@code source} into {@code dst[0, cols)} and normalises it in place. */
    public static void read(RowMatrix source, int row, float[] dst) {
        source.copyRow(row, dst);
        normalise(source.name(), row, dst, source.cols());
    }

    /** Normalises {@code values[0, dim)} in place (see the class comment). */
    public static void normalise(String layer, int row, float[] values, int dim) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            float v = values[d];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(layer + ": row " + row + " holds "
                        + (Float.isNaN(v) ? "NaN" : "an infinite value") + " at column " + d);
            }
            sum += (double) v * v;
        }
        double norm = Math.sqrt(sum);
        if (norm == 0) {
            throw new IllegalArgumentException(layer + ": row " + row + " is a zero vector (its cosine similarity is undefined)");
        }
        for (int d = 0; d < dim; d++) values[d] = (float) (values[d] / norm);
    }

    /** The similarity strata defines: sequential float32 fused multiply-adds over d = 0 .. dim-1, from +0. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        float acc = 0f;
        for (int d = 0; d < dim; d++) acc = Math.fma(a[aOffset + d], b[bOffset + d], acc);
        return acc;
    }

    /** The checks every backend makes before computing (the contract's degenerate cases). */
    /** Rejects a block of rows [from, to) that is empty or not within the n rows of {@code vectors}. */
    static void checkRange(RowMatrix vectors, int from, int to) {
        if (from < 0 || to > vectors.rows() || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") are not a block of the "
                    + vectors.rows() + " rows");
        }
    }

    public static void checkArguments(RowMatrix vectors, int k) {
        int n = vectors.rows();
        String layer = vectors.name();
        if (n < 2) throw new IllegalArgumentException(layer + ": need at least 2 rows for neighbours, got " + n);
        if (vectors.cols() < 1) throw new IllegalArgumentException(layer + ": rows have no values");
        if (k < 1) throw new IllegalArgumentException(layer + ": k must be at least 1, got " + k);
        if (k >= n) {
            throw new IllegalArgumentException(layer + ": k = " + k + " must be less than the number of rows (" + n + ")");
        }
        if ((long) n * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(layer + ": n x k = " + (long) n * k + " neighbours do not fit one array");
        }
    }
}
