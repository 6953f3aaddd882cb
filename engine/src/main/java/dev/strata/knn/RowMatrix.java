package dev.strata.knn;

/**
 * An n x D matrix of one layer's vectors, one row per prompt, delivered row by row as float32 so a
 * backend can stream it from a memory-mapped file without holding a second copy.
 */
public interface RowMatrix {
    /** The layer's name, used in error messages. */
    String name();

    int rows();

    int cols();

    /** Copies row {@code row} into {@code dst[0, cols)}; safe to call from several threads at once. */
    void copyRow(int row, float[] dst);

    /** A matrix over in-memory rows (all of the same length). */
    static RowMatrix of(String name, float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException(name + ": row " + r + " has " + rows[r].length
                        + " values, row 0 has " + cols);
            }
        }
        return new RowMatrix() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int rows() {
                return rows.length;
            }

            @Override
            public int cols() {
                return cols;
            }

            @Override
            public void copyRow(int row, float[] dst) {
                System.arraycopy(rows[row], 0, dst, 0, cols);
            }
        };
    }
}
