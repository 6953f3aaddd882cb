package dev.strata.knn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GramKernel} on the Vector API: a register tile of 8 rows x 2 vectors of columns with
 * AVX-512 (each step over d loads two column vectors, broadcasts eight row values and issues
 * sixteen FMAs), 4 rows x 2 vectors with 256-bit vectors. Measured, kernel alone, one thread,
 * D = 1024 (Zen-class EPYC): 512-bit 8 x 2 116 GFLOP/s, 4 x 2 66, 8 x 3 and 4 x 4 no faster than
 * 8 x 2, 16 x 2 69 (32 accumulators spill); 256-bit (-XX:UseAVX=2) 4 x 2 70, 8 x 2 29 (spills). Each lane
 * accumulates one dot product sequentially over d, so no horizontal sum is needed and the result
 * equals {@link ScalarGramKernel}'s bit for bit.
 *
 * <p>Only loaded (reflectively, by {@link KnnBackends}) when {@code jdk.incubator.vector} is present.
 */
final class VectorGramKernel implements GramKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final int WIDTH = 2 * LANES;
    /** 32 vector registers (AVX-512) hold the 8 x 2 tile; 16 (AVX2) only the 4 x 2 one. */
    private static final boolean EIGHT_ROWS = SPECIES.vectorBitSize() >= 512;

    /** The kernel, or null when the preferred vectors are too narrow to beat the scalar loop. */
    static GramKernel createIfUseful() {
        return SPECIES.vectorBitSize() >= 256 ? new VectorGramKernel() : null;
    }

    @Override
    public int blockWidth() {
        return WIDTH;
    }

    @Override
    public String describe() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }

    @Override
    public void dotBlock(float[] rowBlock, float[] colBlock, int dim, float[] out) {
        if (EIGHT_ROWS) {
            dotBlockEightRows(rowBlock, colBlock, dim, out);
        } else {
            dotBlockFourRows(rowBlock, colBlock, dim, out);
        }
    }

    private static void dotBlockEightRows(float[] rowBlock, float[] colBlock, int dim, float[] out) {
        for (int r = 0; r < WIDTH; r += 8) {
            FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
            FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
            FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
            FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
            FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
            FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
            FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
            FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
            for (int d = 0, a = r, b = 0; d < dim; d++, a += WIDTH, b += WIDTH) {
                FloatVector b0 = FloatVector.fromArray(SPECIES, colBlock, b);
                FloatVector b1 = FloatVector.fromArray(SPECIES, colBlock, b + LANES);
                FloatVector a0 = FloatVector.broadcast(SPECIES, rowBlock[a]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(SPECIES, rowBlock[a + 1]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(SPECIES, rowBlock[a + 2]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(SPECIES, rowBlock[a + 3]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                FloatVector a4 = FloatVector.broadcast(SPECIES, rowBlock[a + 4]);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                FloatVector a5 = FloatVector.broadcast(SPECIES, rowBlock[a + 5]);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                FloatVector a6 = FloatVector.broadcast(SPECIES, rowBlock[a + 6]);
                c60 = a6.fma(b0, c60);
                c61 = a6.fma(b1, c61);
                FloatVector a7 = FloatVector.broadcast(SPECIES, rowBlock[a + 7]);
                c70 = a7.fma(b0, c70);
                c71 = a7.fma(b1, c71);
            }
            int o = r * WIDTH;
            c00.intoArray(out, o + 0 * LANES);
            c01.intoArray(out, o + 1 * LANES);
            c10.intoArray(out, o + 2 * LANES);
            c11.intoArray(out, o + 3 * LANES);
            c20.intoArray(out, o + 4 * LANES);
            c21.intoArray(out, o + 5 * LANES);
            c30.intoArray(out, o + 6 * LANES);
            c31.intoArray(out, o + 7 * LANES);
            c40.intoArray(out, o + 8 * LANES);
            c41.intoArray(out, o + 9 * LANES);
            c50.intoArray(out, o + 10 * LANES);
            c51.intoArray(out, o + 11 * LANES);
            c60.intoArray(out, o + 12 * LANES);
            c61.intoArray(out, o + 13 * LANES);
            c70.intoArray(out, o + 14 * LANES);
            c71.intoArray(out, o + 15 * LANES);
        }
    }

    private static void dotBlockFourRows(float[] rowBlock, float[] colBlock, int dim, float[] out) {
        for (int r = 0; r < WIDTH; r += 4) {
            FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
            FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
            FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
            FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
            for (int d = 0, a = r, b = 0; d < dim; d++, a += WIDTH, b += WIDTH) {
                FloatVector b0 = FloatVector.fromArray(SPECIES, colBlock, b);
                FloatVector b1 = FloatVector.fromArray(SPECIES, colBlock, b + LANES);
                FloatVector a0 = FloatVector.broadcast(SPECIES, rowBlock[a]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(SPECIES, rowBlock[a + 1]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(SPECIES, rowBlock[a + 2]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(SPECIES, rowBlock[a + 3]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
            }
            int o = r * WIDTH;
            c00.intoArray(out, o);
            c01.intoArray(out, o + LANES);
            c10.intoArray(out, o + WIDTH);
            c11.intoArray(out, o + WIDTH + LANES);
            c20.intoArray(out, o + 2 * WIDTH);
            c21.intoArray(out, o + 2 * WIDTH + LANES);
            c30.intoArray(out, o + 3 * WIDTH);
            c31.intoArray(out, o + 3 * WIDTH + LANES);
        }
    }
}
