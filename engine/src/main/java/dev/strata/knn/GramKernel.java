package dev.strata.knn;

/**
 * Dot products between blocks of packed unit vectors: the inner loop of the CPU k-NN. Two
 * implementations give bit-identical results (Lucene-style: a plain one, and a Vector API one chosen
 * at run time when {@code jdk.incubator.vector} is present).
 *
 * <p>Packed layout (see {@link PackedVectors}): rows are grouped in blocks of {@link #blockWidth()}
 * rows; within a block, element d of every row lies side by side, so float index
 * {@code ((row / W) * dim + d) * W + row % W}. The kernel works on one block at a time copied to
 * the heap: int-indexed arrays let the JIT drop the bounds checks that off-heap access keeps
 * (measured: the kernel alone runs about 20% faster than reading the segment directly).
 *
 * <p>Summation order (the definition of "exact" strata uses): every dot product is accumulated
 * sequentially over d = 0, 1, ..., dim-1 with a fused multiply-add in float32, starting from +0. It
 * depends on nothing else: not on the block, the tile, the thread, or the vector width.
 */
interface GramKernel {
    /** Rows per packed block. */
    int blockWidth();

    /** A few words for logs. */
    String describe();

    /**
     * Sets {@code out[r * W + c]} to the dot product of row r of {@code rowBlock} and row c of
     * {@code colBlock}, for r, c in [0, W); each block holds W rows x dim values in the packed layout.
     */
    void dotBlock(float[] rowBlock, float[] colBlock, int dim, float[] out);
}
