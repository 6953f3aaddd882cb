package dev.strata.knn.cuda;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.knn.CudaProbe;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.NearTies;
import dev.strata.knn.RowMatrix;
import dev.strata.knn.TopK;
import dev.strata.knn.UnitRows;
import dev.strata.knn.cuda.CandidateWindow.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CUDA backend's CPU-side logic: error bound and window, tile plan, kernel cache, source, selection. */
class CudaCpuSideTest {
    @TempDir Path dir;

    @Test
    void boundsGrowWithDimensionAndWithCheaperPrecision() {
        for (int dim : new int[] {1, 64, 4096, 16384}) {
            double fp32 = CandidateWindow.bound(Precision.FP32, dim);
            assertTrue(fp32 >= 2 * dim * 0x1p-24, "at least 2 D u");
            assertTrue(fp32 < CandidateWindow.bound(Precision.TF32, dim));
            assertTrue(CandidateWindow.bound(Precision.TF32, dim) < CandidateWindow.bound(Precision.BF16, dim));
            assertTrue(CandidateWindow.width(Precision.FP32, dim) >= 2 * fp32);
        }
        assertTrue(CandidateWindow.bound(Precision.FP32, 4096) < 1.1e-3);
        assertTrue(CandidateWindow.bound(Precision.FP32, 64) < CandidateWindow.bound(Precision.FP32, 4096));
    }

    @Test
    void cutoffRoundsDown() {
        Random rnd = new Random(1);
        for (int i = 0; i < 10000; i++) {
            float kth = (float) (rnd.nextDouble() * 2 - 1);
            float w = (float) (rnd.nextDouble() * 1e-3);
            float c = CandidateWindow.cutoff(kth, w);
            assertTrue((double) c <= (double) kth - w);
            assertTrue((double) Math.nextUp(c) > (double) kth - w);
        }
    }

    @Test
    void windowOnSyntheticScores() {
        float[] s = {0.9f, 0.8f, 0.7f, 0.69f, 0.5f, 0.1f};
        // k = 3: kth = 0.7, width 0.02 -> keeps 0.69 too, not 0.5.
        assertEquals(4, CandidateWindow.windowSize(s, 6, 3, 0.02f, false));
        // width 0.25 reaches 0.5 but not 0.1.
        assertEquals(5, CandidateWindow.windowSize(s, 6, 3, 0.25f, false));
        // every entry in the window of an incomplete list: overflow; of a complete one (m = n - 1): fine.
        assertEquals(-1, CandidateWindow.windowSize(s, 6, 3, 1f, false));
        assertEquals(6, CandidateWindow.windowSize(s, 6, 3, 1f, true));
        assertEquals(3, CandidateWindow.windowSize(s, 6, 3, 0f, false));
    }

    @Test
    void capacity() {
        assertEquals(42, CandidateWindow.capacity(65536, 10));
        assertEquals(200, CandidateWindow.capacity(65536, 100));
        assertEquals(9, CandidateWindow.capacity(10, 5));
        assertTrue(CandidateWindow.fitsGpu(CandidateWindow.capacity(1 << 20, 512)));
        assertFalse(CandidateWindow.fitsGpu(CandidateWindow.capacity(1 << 20, 513)));
        assertEquals(2048, CudaKnnBackend.sortSize(1024));
        assertEquals(2048, CudaKnnBackend.sortSize(42));
        assertTrue(CudaKnnBackend.sortSize(42) >= 42 + CudaKnnBackend.MERGE_BUFFER);
    }

    /**
     * "Approximate score + exact re-score" in Java, step by step as the kernels do it, on data full of
     * near-ties and duplicates, with approximate scores off by up to beta (random noise, and the
     * worst case: every score pushed to one end): the neighbours equal the CPU backend's.
     */
    @ParameterizedTest(name = "n={0} D={1} k={2} beta={3}")
    @CsvSource({"300,40,10,1e-3", "300,40,10,1e-6", "257,17,1,1e-2", "120,8,30,5e-2", "64,5,63,1e-3", "400,33,5,0"})
    void emulationReproducesTheCpuBackend(int n, int dim, int k, double beta) {
        float[][] rows = NearTies.rows(n, dim, 17L * n + k);
        int[] expected = KnnBackends.scalarCpu(2).nearest(RowMatrix.of("r", rows), k);
        for (int mode = 0; mode < 3; mode++) {
            assertArrayEquals(expected, emulate(rows, k, beta, mode), "noise mode " + mode);
        }
    }

    /** mode 0: uniform noise in [-beta, beta]; 1: +beta for odd indices, -beta for even; 2: the reverse. */
    static int[] emulate(float[][] rows, int k, double beta, int mode) {
        int n = rows.length, dim = rows[0].length;
        float[] x = new float[n * dim];
        for (int i = 0; i < n; i++) {
            float[] r = rows[i].clone();
            UnitRows.normalise("r", i, r, dim);
            System.arraycopy(r, 0, x, i * dim, dim);
        }
        float width = (float) (2 * beta);
        if (width < 2 * beta) width = Math.nextUp(width);
        int cap = CandidateWindow.capacity(n, k);
        Random rnd = new Random(7);
        int[] out = new int[n * k];
        for (int t = 0; t < n; t++) {
            float[] exact = new float[n];
            TopK approx = new TopK(1, cap);
            for (int j = 0; j < n; j++) {
                exact[j] = UnitRows.dot(x, t * dim, x, j * dim, dim);
                if (j == t) continue;
                double noise = switch (mode) {
                    case 0 -> (rnd.nextDouble() * 2 - 1) * beta;
                    case 1 -> (j % 2 == 1 ? beta : -beta);
                    default -> (j % 2 == 1 ? -beta : beta);
                };
                // Rounded towards the exact score, so |a - e| <= beta holds after rounding too.
                float a = towards((double) exact[j] + noise, exact[j]);
                approx.offer(0, a, j);
            }
            float[] listScores = new float[cap];
            int[] listIdx = new int[cap];
            approx.copyIndices(0, listIdx, 0);
            for (int i = 0; i < cap; i++) listScores[i] = approxScore(approx, i);
            int w = CandidateWindow.windowSize(listScores, cap, k, width, cap == n - 1);
            TopK fin = new TopK(1, k);
            if (w < 0) {
                for (int j = 0; j < n; j++) if (j != t) fin.offer(0, exact[j], j);
            } else {
                for (int i = 0; i < w; i++) fin.offer(0, exact[listIdx[i]], listIdx[i]);
            }
            fin.copyIndices(0, out, t * k);
        }
        return out;
    }

    private static float approxScore(TopK top, int position) {
        return top.simAt(0, position);
    }

    private static float towards(double value, float target) {
        float f = (float) value;
        if (Math.abs((double) f - target) > Math.abs(value - target)) f = f > target ? Math.nextDown(f) : Math.nextUp(f);
        return f;
    }

    @Test
    void tilePlanFitsTheFreeMemoryAndNeverHoldsNxN() {
        long gib = 1L << 30;
        for (long free : new long[] {2 * gib, 8 * gib, 78 * gib}) {
            for (int n : new int[] {1000, 65536, 200_000}) {
                for (int dim : new int[] {64, 4096}) {
                    for (Precision p : Precision.values()) {
                        CudaTilePlan plan;
                        try {
                            plan = CudaTilePlan.of(n, dim, 10, free, p);
                        } catch (IllegalArgumentException e) {
                            assertTrue((long) n * dim * 4 > (free - CudaTilePlan.RESERVE) / 2, e.getMessage());
                            assertTrue(e.getMessage().contains("GiB of GPU memory"), e.getMessage());
                            continue;
                        }
                        String what = plan + " for n=" + n + " D=" + dim + " free=" + free;
                        assertTrue(plan.deviceBytes() <= free - CudaTilePlan.RESERVE, what);
                        assertTrue(plan.rowTile() >= 1 && plan.rowTile() <= Math.min(n, CudaTilePlan.MAX_ROW_TILE), what);
                        assertTrue(plan.colBlock() >= 1 && plan.colBlock() <= n, what);
                        assertTrue((long) plan.rowTile() * plan.colBlock() * 4 <= CudaTilePlan.MAX_TILE_BYTES, what);
                        if (n > 100_000) assertTrue((long) plan.rowTile() * plan.colBlock() < (long) n * n, what);
                        assertTrue(plan.uploadRows() >= 1 && (long) plan.uploadRows() * dim * 4 <= CudaTilePlan.UPLOAD_BYTES + dim * 4L, what);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CudaTilePlan.of(1 << 20, 4096, 10, 4L << 30, Precision.FP32));
    }

    @Test
    void kernelCacheKeysAndAtomicFiles() {
        int[] v = {12, 4};
        List<String> opts = CudaKnnBackend.OPTIONS;
        String a = KernelCache.key("knn_topk", "src", "sm_90", v, opts, true);
        assertTrue(a.matches("knn_topk-sm_90-nvrtc12\\.4-[0-9a-f]{16}\\.cubin"), a);
        assertNotEquals(a, KernelCache.key("knn_topk", "src2", "sm_90", v, opts, true));
        assertNotEquals(a, KernelCache.key("knn_topk", "src", "sm_80", v, opts, true));
        assertNotEquals(a, KernelCache.key("knn_topk", "src", "sm_90", new int[] {12, 5}, opts, true));
        assertNotEquals(a, KernelCache.key("knn_topk", "src", "sm_90", v, List.of("--fmad=true"), true));
        assertTrue(KernelCache.key("knn_topk", "src", "sm_90", v, opts, false).endsWith(".ptx"));

        assertEquals(Path.of("/x/strata/cuda"), KernelCache.defaultDir(Map.of("XDG_CACHE_HOME", "/x"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/strata/cuda"), KernelCache.defaultDir(Map.of(), "/home/u"));

        KernelCache cache = new KernelCache(dir.resolve("c/strata/cuda"));
        assertTrue(cache.read(a).isEmpty());
        assertTrue(cache.write(a, new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, cache.read(a).orElseThrow());
        assertTrue(cache.write(a, new byte[] {4}));
        assertArrayEquals(new byte[] {4}, cache.read(a).orElseThrow());
        try (var files = Files.list(cache.dir())) {
            assertEquals(List.of(a), files.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void kernelSourceIsInTheJarWithItsKernels() {
        String src = CudaKnnBackend.source();
        for (String kernel : List.of("knn_merge_topk", "knn_rescore_select", "knn_exact_scores", "knn_to_bf16")) {
            assertTrue(src.contains("extern \"C\" __global__ void " + kernel + "("), kernel);
        }
        assertFalse(src.contains("#include"), "NVRTC compiles it without headers");
        assertTrue(src.contains("#define MERGE_BUFFER " + CudaKnnBackend.MERGE_BUFFER));
    }

    @Test
    void architectureOptionPrefersCubinThenPtx() {
        int[] supported = {75, 80, 86, 89, 90};
        assertEquals("--gpu-architecture=sm_90", CudaKnnBackend.architectureOption(90, supported));
        assertEquals("--gpu-architecture=compute_90", CudaKnnBackend.architectureOption(100, supported));
        assertThrows(IllegalStateException.class, () -> CudaKnnBackend.architectureOption(70, supported));
    }

    @Test
    void selectionWithoutAGpu() {
        CudaProbe probe = CudaKnnBackend.probe();
        org.junit.jupiter.api.Assumptions.assumeTrue(probe instanceof CudaProbe.Unavailable, "a CUDA device is present");
        String cuda = ((CudaProbe.Unavailable) probe).reason();
        KnnBackends.Selection auto = KnnBackends.select(KnnBackends.Device.AUTO, 1);
        assertTrue(auto.backend().describe().startsWith("cpu"));
        String note = auto.note().orElseThrow();
        String firstClause = cuda.split(";")[0];
        assertTrue(note.startsWith("no CUDA backend (" + firstClause + "; asking for the cuda device by name lists all); using cpu"), note);
        assertFalse(note.contains("\n"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KnnBackends.select(KnnBackends.Device.CUDA, 1));
        assertEquals("no CUDA backend: " + cuda, e.getMessage());
        assertTrue(e.getMessage().contains("not found in") || e.getMessage().contains("no CUDA device"), e.getMessage());
    }
}
