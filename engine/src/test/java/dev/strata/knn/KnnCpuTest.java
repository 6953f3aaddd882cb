package dev.strata.knn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KnnCpuTest {
    /** float32 rounding of unit-vector dot products stays far below this for the dimensions tested. */
    private static final double FLOAT32_SLACK = 1e-5;

    private static final KnnBackend VECTOR = new CpuKnnBackend(KnnBackends.fastestKernel(), 2, 0);
    private static final KnnBackend SCALAR = new CpuKnnBackend(new ScalarGramKernel(), 2, 0);

    @ParameterizedTest(name = "n={0} D={1} k={2}")
    @CsvSource({"2,1,1", "5,3,4", "33,17,5", "100,31,10", "257,64,20", "300,129,299", "70,1000,7"})
    void matchesDoublePrecisionBruteForce(int n, int dim, int k) {
        float[][] rows = gaussian(n, dim, 31L * n + dim);
        KnnReference reference = new KnnReference(rows);
        for (KnnBackend backend : new KnnBackend[] {VECTOR, SCALAR}) {
            assertMatchesReference(reference, backend.nearest(RowMatrix.of("random", rows), k), k, backend.describe());
        }
    }

    @ParameterizedTest(name = "rows [{0}, {1}) of 300")
    @CsvSource({"0,300", "0,1", "0,37", "37,200", "123,124", "250,300", "299,300"})
    void aBlockOfRowsGetsTheNeighboursTheWholeRunGivesThem(int from, int to) {
        float[][] rows = gaussian(300, 29, 7);
        rows[150] = rows[40].clone(); // a tie across blocks, broken by the lower index either way
        RowMatrix vectors = RowMatrix.of("blocks", rows);
        int k = 9;
        for (KnnBackend backend : new KnnBackend[] {VECTOR, SCALAR, new CpuKnnBackend(KnnBackends.fastestKernel(), 2,
                16)}) {
            int[] whole = backend.nearest(vectors, k);
            assertArrayEquals(Arrays.copyOfRange(whole, from * k, to * k), backend.nearest(vectors, k, from, to),
                    backend.describe());
        }
        assertThrows(IllegalArgumentException.class, () -> VECTOR.nearest(vectors, k, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> VECTOR.nearest(vectors, k, 200, 301));
    }

    @Test
    void exactDuplicatesTieToTheLowerIndex() {
        int n = 40;
        float[][] rows = gaussian(n, 23, 5);
        // Rows 3, 17 and 30 are one vector (30 scaled by 4: the same unit vector); 8 and 9 another.
        rows[17] = rows[3].clone();
        rows[30] = scaled(rows[3], 4f);
        rows[9] = rows[8].clone();
        KnnReference reference = new KnnReference(rows);
        int k = 6;
        int[] got = VECTOR.nearest(RowMatrix.of("dups", rows), k);
        for (int t = 0; t < n; t++) {
            assertArrayEquals(reference.neighbours(t, k), Arrays.copyOfRange(got, t * k, t * k + k), "row " + t);
        }
        assertArrayEquals(new int[] {17, 30}, Arrays.copyOfRange(got, 3 * k, 3 * k + 2));
        assertArrayEquals(new int[] {3, 30}, Arrays.copyOfRange(got, 17 * k, 17 * k + 2));
        assertArrayEquals(new int[] {3, 17}, Arrays.copyOfRange(got, 30 * k, 30 * k + 2));
        assertEquals(9, got[8 * k]);
        assertEquals(8, got[9 * k]);
    }

    @Test
    void antipodalVectorsComeLast() {
        float[][] rows = gaussian(6, 9, 11);
        rows[1] = scaled(rows[0], -1f);
        rows[4] = scaled(rows[2], -3f);
        int k = 5;
        int[] got = VECTOR.nearest(RowMatrix.of("antipodes", rows), k);
        assertEquals(1, got[0 * k + k - 1]);
        assertEquals(0, got[1 * k + k - 1]);
        assertEquals(4, got[2 * k + k - 1]);
        assertEquals(2, got[4 * k + k - 1]);
        assertMatchesReference(new KnnReference(rows), got, k, "antipodes");
    }

    @Test
    void resultDoesNotDependOnThreadsTileSizeOrKernel() {
        float[][] rows = gaussian(1000, 77, 3);
        // Many near-ties: a few directions with small perturbations.
        Random rnd = new Random(9);
        for (int i = 0; i < rows.length; i++) {
            float[] base = rows[i % 5];
            for (int d = 0; d < base.length; d++) rows[i][d] = base[d] + 1e-4f * (float) rnd.nextGaussian();
        }
        RowMatrix m = RowMatrix.of("splits", rows);
        int k = 25;
        int[] expected = new CpuKnnBackend(new ScalarGramKernel(), 1, 0).nearest(m, k);
        GramKernel vector = KnnBackends.fastestKernel();
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int tileRows : new int[] {0, 1, 64, 100, 1000}) {
                assertArrayEquals(expected, new CpuKnnBackend(vector, threads, tileRows).nearest(m, k),
                        "threads=" + threads + " tileRows=" + tileRows);
            }
        }
        assertArrayEquals(expected, new CpuKnnBackend(new ScalarGramKernel(), 3, 48).nearest(m, k));
    }

    @Test
    void kernelsAgreeBitForBit() {
        GramKernel vector = KnnBackends.fastestKernel();
        GramKernel scalar = new ScalarGramKernel();
        float[][] rows = gaussian(200, 301, 8);
        for (GramKernel kernel : new GramKernel[] {vector, scalar}) {
            // Dot products straight from the kernel equal a sequential FMA loop over d.
            int w = kernel.blockWidth();
            float[] block = new float[w * 301];
            for (int r = 0; r < w; r++) {
                for (int d = 0; d < 301; d++) block[d * w + r] = rows[r][d];
            }
            float[] out = new float[w * w];
            kernel.dotBlock(block, block, 301, out);
            for (int r = 0; r < w; r++) {
                for (int c = 0; c < w; c++) {
                    float expected = 0f;
                    for (int d = 0; d < 301; d++) expected = Math.fma(rows[r][d], rows[c][d], expected);
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[r * w + c]),
                            kernel.describe() + " at " + r + "," + c);
                }
            }
        }
    }

    @Test
    void degenerateInputIsAClearError() {
        float[][] rows = gaussian(10, 4, 1);
        assertError(RowMatrix.of("layer x", rows), 10, "layer x: k = 10 must be less than the number of rows (10)");
        assertError(RowMatrix.of("layer x", rows), 0, "layer x: k must be at least 1, got 0");
        assertError(RowMatrix.of("layer x", new float[][] {{1f, 2f}}), 1, "layer x: need at least 2 rows");

        float[][] zero = gaussian(10, 4, 1);
        zero[7] = new float[4];
        assertError(RowMatrix.of("layer z", zero), 3, "layer z: row 7 is a zero vector");
        float[][] nan = gaussian(10, 4, 1);
        nan[2][3] = Float.NaN;
        assertError(RowMatrix.of("layer n", nan), 3, "layer n: row 2 holds NaN at column 3");
        float[][] several = gaussian(2000, 4, 1);
        several[1500] = new float[4];
        several[40][1] = Float.NaN;
        several[900] = new float[4];
        assertError(RowMatrix.of("layer s", several), 3, "layer s: row 40 holds NaN at column 1");
        float[][] inf = gaussian(10, 4, 1);
        inf[9][0] = Float.NEGATIVE_INFINITY;
        assertError(RowMatrix.of("layer i", inf), 3, "layer i: row 9 holds an infinite value at column 0");
    }

    @Test
    void hugeButFiniteValuesDoNotOverflowTheNorm() {
        float[][] rows = {{3e38f, 3e38f}, {1f, 1.1f}, {-1f, 1f}};
        int[] got = SCALAR.nearest(RowMatrix.of("big", rows), 1);
        assertArrayEquals(new int[] {1, 0, 1}, got);
    }

    private static void assertError(RowMatrix m, int k, String expectedStart) {
        for (KnnBackend backend : new KnnBackend[] {VECTOR, SCALAR}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.nearest(m, k));
            assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
        }
    }

    /**
     * Every neighbour list holds distinct rows other than t, its i-th entry is as similar (in double
     * precision) as the reference's i-th up to float32 slack, and it equals the reference exactly
     * wherever the reference's similarities are separated by more than that slack.
     */
    static void assertMatchesReference(KnnReference reference, int[] got, int k, String what) {
        int n = reference.sims.length;
        assertEquals(n * k, got.length);
        for (int t = 0; t < n; t++) {
            int[] mine = Arrays.copyOfRange(got, t * k, t * k + k);
            int[] best = reference.neighbours(t, Math.min(n - 1, k + 1));
            Set<Integer> seen = new HashSet<>();
            boolean separated = true;
            for (int i = 0; i < k; i++) {
                assertNotEquals(t, mine[i], what + ": row " + t + " lists itself");
                assertTrue(seen.add(mine[i]), what + ": row " + t + " repeats " + mine[i]);
                assertEquals(reference.sims[t][best[i]], reference.sims[t][mine[i]], FLOAT32_SLACK,
                        what + ": row " + t + " rank " + i);
                if (i + 1 < best.length && reference.sims[t][best[i]] - reference.sims[t][best[i + 1]] < FLOAT32_SLACK) {
                    separated = false;
                }
            }
            if (separated) assertArrayEquals(Arrays.copyOf(best, k), mine, what + ": row " + t);
        }
    }

    static float[][] gaussian(int n, int dim, long seed) {
        Random rnd = new Random(seed);
        float[][] rows = new float[n][dim];
        for (float[] row : rows) {
            for (int d = 0; d < dim; d++) row[d] = (float) rnd.nextGaussian();
        }
        return rows;
    }

    private static float[] scaled(float[] row, float factor) {
        float[] out = new float[row.length];
        for (int d = 0; d < row.length; d++) out[d] = row[d] * factor;
        return out;
    }

    @Test
    void sharedNormalisationMatchesThePackedLayout() {
        float[][] rows = NearTies.rows(20, 9, 3);
        float[] unit = rows[5].clone();
        UnitRows.normalise("r", 5, unit, 9);
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            PackedVectors p = PackedVectors.allocate(arena, 20, 9, 16);
            p.packBlock(RowMatrix.of("r", rows), 0, new float[9]);
            float[] block = new float[16 * 9];
            p.copyBlock(0, block);
            for (int d = 0; d < 9; d++) assertEquals(Float.floatToIntBits(unit[d]), Float.floatToIntBits(block[d * 16 + 5]));
        }
        assertThrows(IllegalArgumentException.class, () -> UnitRows.normalise("r", 0, new float[3], 3));
        assertTrue(Arrays.equals(new float[] {1f}, unitOf(new float[] {5f})));
    }

    private static float[] unitOf(float[] v) {
        UnitRows.normalise("r", 0, v, v.length);
        return v;
    }
}
