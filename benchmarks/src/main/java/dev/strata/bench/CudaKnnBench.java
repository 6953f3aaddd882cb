package dev.strata.bench;

import dev.strata.bindings.cuda.Cublas;
import dev.strata.bindings.cuda.CudaLibraries;
import dev.strata.bindings.cuda.CudaRuntime;
import dev.strata.knn.KnnBackend;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.RowMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Random;

/**
 * The CUDA k-NN on Gaussian data, for a GPU session (written without a GPU; never run by its author).
 * Run: {@code java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector
 * -cp 'benchmarks/target/classes:benchmarks/target/lib/*' dev.strata.bench.CudaKnnBench [n] [D] [k] [tile rows] [tile cols]}
 * (defaults 65536 4096 10 8192 16384; {@code -Dstrata.cuda.precision=tf32|bf16} for the fast modes).
 *
 * <p>Prints, each the median of 5 runs after a warm-up:
 * <ul>
 * <li>cuBLAS Gram throughput on the tile shape the backend uses (rows x cols x D, SGEMM in pedantic
 * FP32 mode, as the backend runs it) and on one large square GEMM (the measured "peak" on this GPU
 * for this D), in TFLOP/s, and their ratio;
 * <li>end-to-end k-NN time (normalise, upload, Gram, selection, re-check, download) for the CUDA and
 * the CPU backend (the CPU one only when n <= 16384, as it takes minutes beyond);
 * <li>the selection share: end-to-end time minus n^2/(tile) Gram time, and the bandwidth it would
 * need to read every Gram tile once (n^2 x 4 bytes) against the device's theoretical bandwidth
 * (2 x memory clock x bus width from cudaDeviceGetAttribute). This is an estimate, not a kernel timing.
 * </ul>
 */
public final class CudaKnnBench {
    private CudaKnnBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 65536;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int tileRows = args.length > 3 ? Integer.parseInt(args[3]) : 8192;
        int tileCols = args.length > 4 ? Integer.parseInt(args[4]) : 16384;
        CudaLibraries.Probe probe = CudaLibraries.probe();
        if (probe instanceof CudaLibraries.Missing(String reason)) {
            System.err.println("no CUDA: " + reason);
            System.exit(2);
        }
        CudaLibraries libs = ((CudaLibraries.Ready) probe).libraries();
        CudaRuntime rt = libs.runtime();
        rt.setDevice(0);
        System.out.println("libraries: " + libs.origins());

        tileRows = Math.min(tileRows, n);
        tileCols = Math.min(tileCols, n);
        double tile = gemmTflops(libs, tileRows, tileCols, dim);
        int sq = Math.min(n, 16384);
        double peak = gemmTflops(libs, sq, sq, dim);
        System.out.printf(Locale.ROOT, "gram: tile %dx%dx%d %.2f TFLOP/s; square %dx%dx%d %.2f TFLOP/s (ratio %.2f)%n",
                tileRows, tileCols, dim, tile, sq, sq, dim, peak, tile / peak);

        float[][] rows = gaussian(n, dim, 42);
        RowMatrix m = RowMatrix.of("bench", rows);
        KnnBackend gpu = KnnBackends.select(KnnBackends.Device.CUDA, 0).backend();
        gpu.nearest(m, k);
        double[] times = new double[5];
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            gpu.nearest(m, k);
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(times);
        double e2e = times[2];
        double gramSeconds = 2.0 * n * n * dim / (tile * 1e12);
        System.out.printf(Locale.ROOT, "end-to-end %s: n=%d D=%d k=%d %.3f s (Gram at the tile rate: %.3f s)%n",
                gpu.describe(), n, dim, k, e2e, gramSeconds);
        int memClockKhz = rt.deviceAttribute(CudaRuntime.ATTR_MEMORY_CLOCK_RATE, 0);
        int busBits = rt.deviceAttribute(CudaRuntime.ATTR_GLOBAL_MEMORY_BUS_WIDTH, 0);
        double bandwidth = 2.0 * memClockKhz * 1e3 * busBits / 8;
        double rest = Math.max(1e-9, e2e - gramSeconds);
        System.out.printf(Locale.ROOT, "selection etc.: %.3f s; reading n^2 floats in it needs %.0f GB/s, device peak %.0f GB/s%n",
                rest, (double) n * n * 4 / rest / 1e9, bandwidth / 1e9);
        if (n <= 16384) {
            KnnBackend cpu = KnnBackends.cpu(0);
            long t0 = System.nanoTime();
            int[] want = cpu.nearest(m, k);
            double cpuSeconds = (System.nanoTime() - t0) / 1e9;
            boolean same = java.util.Arrays.equals(want, gpu.nearest(m, k));
            System.out.printf(Locale.ROOT, "cpu %s: %.3f s; identical: %s%n", cpu.describe(), cpuSeconds, same);
        }
    }

    /** Median TFLOP/s of C = A^T B (m x n x dim, float32, pedantic math) over 5 timed runs after one warm-up. */
    static double gemmTflops(CudaLibraries libs, int m, int n, int dim) {
        CudaRuntime rt = libs.runtime();
        Cublas blas = libs.cublas();
        MemorySegment a = rt.malloc((long) m * dim * 4), b = rt.malloc((long) n * dim * 4), c = rt.malloc((long) m * n * 4);
        MemorySegment stream = rt.streamCreate(CudaRuntime.STREAM_NON_BLOCKING);
        MemorySegment handle = blas.create();
        MemorySegment start = rt.eventCreate(CudaRuntime.EVENT_DEFAULT), end = rt.eventCreate(CudaRuntime.EVENT_DEFAULT);
        try {
            rt.memsetAsync(a, 0, (long) m * dim * 4, stream);
            rt.memsetAsync(b, 0, (long) n * dim * 4, stream);
            blas.setStream(handle, stream);
            blas.setMathMode(handle, Cublas.PEDANTIC_MATH);
            blas.sgemm(handle, Cublas.OP_T, Cublas.OP_N, m, n, dim, a, dim, b, dim, c, m);
            double[] t = new double[5];
            for (int i = 0; i < t.length; i++) {
                rt.eventRecord(start, stream);
                blas.sgemm(handle, Cublas.OP_T, Cublas.OP_N, m, n, dim, a, dim, b, dim, c, m);
                rt.eventRecord(end, stream);
                rt.eventSynchronize(end);
                t[i] = rt.eventElapsedMillis(start, end) / 1e3;
            }
            java.util.Arrays.sort(t);
            return 2.0 * m * n * dim / t[2] / 1e12;
        } finally {
            rt.streamSynchronize(stream);
            blas.destroy(handle);
            rt.eventDestroy(start);
            rt.eventDestroy(end);
            rt.streamDestroy(stream);
            rt.free(a);
            rt.free(b);
            rt.free(c);
        }
    }

    static float[][] gaussian(int n, int dim, long seed) {
        Random rnd = new Random(seed);
        float[][] rows = new float[n][dim];
        for (float[] r : rows) for (int d = 0; d < dim; d++) r[d] = (float) rnd.nextGaussian();
        return rows;
    }
}
