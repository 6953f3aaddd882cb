package dev.strata.knn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The unit vectors of one layer, off-heap, in the block layout {@link GramKernel} reads. Rows past
 * {@code rows} (padding up to a whole block) are zero.
 */
final class PackedVectors {
    final MemorySegment segment;
    final int rows;
    final int dim;
    final int width;
    final int blocks;

    private PackedVectors(MemorySegment segment, int rows, int dim, int width) {
        this.segment = segment;
        this.rows = rows;
        this.dim = dim;
        this.width = width;
        this.blocks = (rows + width - 1) / width;
    }

    /** Allocates zeroed storage in {@code arena} for {@code rows} vectors of {@code dim} values. */
    static PackedVectors allocate(Arena arena, int rows, int dim, int width) {
        long blocks = (rows + width - 1) / width;
        MemorySegment segment = arena.allocate(blocks * width * dim * Float.BYTES, 64);
        return new PackedVectors(segment, rows, dim, width);
    }

    /**
     * Normalises rows of block {@code block} of {@code source} and stores them. The row is cast to
     * float32 (by the source), its norm computed in double, each value divided in double and rounded
     * to float32. {@code scratch} holds at least {@code dim} floats.
     */
    void packBlock(RowMatrix source, int block, float[] scratch) {
        long blockBase = (long) block * dim * width;
        int end = Math.min(rows, (block + 1) * width);
        for (int row = block * width; row < end; row++) {
            UnitRows.read(source, row, scratch);
            long at = blockBase + row % width;
            for (int d = 0; d < dim; d++, at += width) {
                segment.setAtIndex(ValueLayout.JAVA_FLOAT, at, scratch[d]);
            }
        }
    }

    /** Copies block {@code block} (width x dim floats) to {@code dst}. */
    void copyBlock(int block, float[] dst) {
        long floats = (long) width * dim;
        MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, block * floats * Float.BYTES, dst, 0, (int) floats);
    }
}
