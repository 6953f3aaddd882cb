package dev.strata.knn;

import java.util.Arrays;

/** Plain-Java {@link GramKernel}: the fallback when the Vector API is absent, and the reference in tests. */
final class ScalarGramKernel implements GramKernel {
    private static final int WIDTH = 16;

    @Override
    public int blockWidth() {
        return WIDTH;
    }

    @Override
    public String describe() {
        return "scalar";
    }

    @Override
    public void dotBlock(float[] rowBlock, float[] colBlock, int dim, float[] out) {
        Arrays.fill(out, 0, WIDTH * WIDTH, 0f);
        for (int d = 0, at = 0; d < dim; d++, at += WIDTH) {
            for (int r = 0; r < WIDTH; r++) {
                float a = rowBlock[at + r];
                int o = r * WIDTH;
                for (int c = 0; c < WIDTH; c++) out[o + c] = Math.fma(a, colBlock[at + c], out[o + c]);
            }
        }
    }
}
