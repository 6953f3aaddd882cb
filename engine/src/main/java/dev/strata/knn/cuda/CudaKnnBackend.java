package dev.strata.knn.cuda;

import static dev.strata.bindings.cuda.CudaRuntime.MEMCPY_DEVICE_TO_HOST;
import static dev.strata.bindings.cuda.CudaRuntime.MEMCPY_HOST_TO_DEVICE;

import dev.strata.bindings.cuda.Cublas;
import dev.strata.bindings.cuda.CudaDriver;
import dev.strata.bindings.cuda.CudaLibraries;
import dev.strata.bindings.cuda.CudaRuntime;
import dev.strata.bindings.cuda.Nvrtc;
import dev.strata.knn.CudaProbe;
import dev.strata.knn.KnnBackend;
import dev.strata.knn.RowMatrix;
import dev.strata.knn.TopK;
import dev.strata.knn.UnitRows;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.IntStream;

/**
 * Exact cosine k-NN on a CUDA GPU: cuBLAS computes Gram tiles, our own kernels (native/cuda/knn_topk.cu,
 * compiled at run time by NVRTC) select and re-check the neighbours. The answer is the CPU backend's,
 * index for index (see {@link CandidateWindow} for the argument).
 *
 * <p><b>Design.</b>
 * <ol>
 * <li>Rows are normalised on the CPU by {@link UnitRows}, the CPU backend's code, so the unit vectors
 * are the same bits. They are written into two pinned host buffers in turn and copied to the device
 * (row-major n x D float32, i.e. column-major D x n: each vector a column) on a copy stream, so the
 * copy of one chunk overlaps the normalisation of the next. BF16 mode converts them on the device.
 * <li>For each row tile (rowTile rows) and each column block (colBlock columns) cuBLAS computes the
 * tile's Gram block G = X_cols^T X_rows on the compute stream (column-major colBlock x rowTile, i.e.
 * row-major rowTile x colBlock). Sizes come from {@link CudaTilePlan} and cudaMemGetInfo: never an
 * n x n matrix.
 * <li>After each Gram block, knn_merge_topk (one block per row, warp ballots to collect the candidates
 * beating the row's current last entry, bitonic sort in shared memory) merges it into the row's
 * running list of the best {@code capacity} = k + max(k, 32) candidates by cuBLAS score, kept in
 * device memory, skipping the row itself and breaking ties by the lower index.
 * <li>After the last column block, knn_rescore_select re-scores every candidate within 2 beta of the
 * k-th approximate score exactly (sequential fmaf over d, the CPU definition) and writes the best k
 * by exact score (ties: lower index). A row whose list may have dropped window members (overflow:
 * more than capacity near-ties, e.g. many duplicates) is recomputed: knn_exact_scores scores it
 * against all n rows exactly and the host selects with {@link TopK}.
 * <li>Each tile's k indices are copied back on the copy stream, overlapping the next tile's compute
 * (double-buffered device and pinned host output buffers, ordered with events).
 * </ol>
 * Precision of the Gram step: FP32 by default (cublasSgemm, CUBLAS_PEDANTIC_MATH so nothing is
 * down-converted); TF32 or BF16 on request ({@code -Dstrata.cuda.precision} or
 * {@code STRATA_CUDA_PRECISION}), faster tensor-core paths with a wider window: the result is still
 * exact after the re-check. Kernels are compiled for the device's architecture and cached by
 * {@link KernelCache}. Limits: the vectors must fit device memory ({@link CudaTilePlan} says how much
 * is needed); k + max(k, 32) above {@link CandidateWindow#MAX_CAPACITY} sends every row to the exact
 * fallback, which is correct but slow.
 */
final class CudaKnnBackend implements KnnBackend {
    static final String SOURCE = "knn_topk.cu";
    static final int MERGE_THREADS = 256;
    static final int MERGE_BUFFER = 1024;
    static final int RESCORE_THREADS = 128;
    static final List<String> OPTIONS = List.of("--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--fmad=false");

    private final CudaLibraries libs;
    private final int device;
    private final CandidateWindow.Precision precision;
    private final KernelCache cache;
    private final String name;
    private final int arch;
    private MemorySegment module;
    private MemorySegment merge, rescore, exactScores, toBf16;

    CudaKnnBackend(CudaLibraries libs, int device, CandidateWindow.Precision precision, KernelCache cache) {
        this.libs = libs;
        this.device = device;
        this.precision = precision;
        this.cache = cache;
        CudaRuntime rt = libs.runtime();
        rt.setDevice(device);
        libs.driver().init();
        this.name = libs.driver().deviceName(libs.driver().device(device));
        this.arch = rt.deviceAttribute(CudaRuntime.ATTR_COMPUTE_CAPABILITY_MAJOR, device) * 10
                + rt.deviceAttribute(CudaRuntime.ATTR_COMPUTE_CAPABILITY_MINOR, device);
    }

    /** The same device and libraries with another Gram precision (tests, benchmarks). */
    CudaKnnBackend withPrecision(CandidateWindow.Precision other) {
        return new CudaKnnBackend(libs, device, other, cache);
    }

    /** The precision asked for by {@code strata.cuda.precision} or {@code STRATA_CUDA_PRECISION} (default fp32). */
    static CandidateWindow.Precision configuredPrecision() {
        String p = System.getProperty("strata.cuda.precision", System.getenv().getOrDefault("STRATA_CUDA_PRECISION", "fp32"));
        return CandidateWindow.Precision.parse(p);
    }

    @Override
    public String describe() {
        return "cuda (" + name + ", sm_" + arch + ", " + precision + " Gram on cuBLAS " + libs.version()
                + ", exact re-check)";
    }

    /** The kernel source shipped in the jar. */
    static String source() {
        try (InputStream in = CudaKnnBackend.class.getResourceAsStream(SOURCE)) {
            if (in == null) throw new IllegalStateException(SOURCE + " is missing from the strata-engine jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** --gpu-architecture for {@code arch}: sm_XY when NVRTC supports it, else PTX for the newest older one. */
    static String architectureOption(int arch, int[] supported) {
        if (Arrays.stream(supported).anyMatch(a -> a == arch)) return "--gpu-architecture=sm_" + arch;
        int best = Arrays.stream(supported).filter(a -> a <= arch).max()
                .orElseThrow(() -> new IllegalStateException("NVRTC supports no architecture at or below sm_" + arch));
        return "--gpu-architecture=compute_" + best;
    }

    /** Compiles (or loads from the cache) and loads the kernels into the current context. */
    private void loadKernels() {
        if (module != null) return;
        Nvrtc nvrtc = libs.nvrtc();
        String src = source();
        List<String> options = new ArrayList<>(OPTIONS);
        options.addFirst(architectureOption(arch, nvrtc.supportedArchs()));
        boolean cubin = options.getFirst().contains("sm_");
        String key = KernelCache.key("knn_topk", src, "sm_" + arch, nvrtc.version(), options, cubin);
        byte[] image = cache.read(key).orElseGet(() -> {
            byte[] compiled = nvrtc.compile(src, SOURCE, options).image();
            cache.write(key, compiled);
            return compiled;
        });
        CudaDriver drv = libs.driver();
        module = drv.moduleLoadData(image);
        merge = drv.moduleGetFunction(module, "knn_merge_topk");
        rescore = drv.moduleGetFunction(module, "knn_rescore_select");
        exactScores = drv.moduleGetFunction(module, "knn_exact_scores");
        toBf16 = drv.moduleGetFunction(module, "knn_to_bf16");
    }

    static int sortSize(int capacity) {
        return Integer.highestOneBit(capacity + MERGE_BUFFER - 1) << 1;
    }

    @Override
    public synchronized int[] nearest(RowMatrix vectors, int k) {
        UnitRows.checkArguments(vectors, k);
        int n = vectors.rows();
        int dim = vectors.cols();
        CudaRuntime rt = libs.runtime();
        CudaDriver drv = libs.driver();
        rt.setDevice(device);
        int cuDevice = drv.device(device);
        MemorySegment context = drv.primaryContextRetain(cuDevice);
        drv.contextSetCurrent(context);
        Resources res = new Resources(rt);
        try {
            loadKernels();
            CudaTilePlan plan = CudaTilePlan.of(n, dim, k, rt.memGetInfo()[0], precision);
            return run(vectors, k, plan, res);
        } finally {
            res.close();
            drv.primaryContextRelease(cuDevice);
        }
    }

    private int[] run(RowMatrix vectors, int k, CudaTilePlan plan, Resources res) {
        int n = vectors.rows();
        int dim = vectors.cols();
        CudaRuntime rt = libs.runtime();
        CudaDriver drv = libs.driver();
        Cublas blas = libs.cublas();
        MemorySegment compute = res.stream(), copy = res.stream();
        MemorySegment x = res.device((long) n * dim * Float.BYTES);
        MemorySegment scores = res.device((long) n * Float.BYTES);
        MemorySegment hostScores = res.host((long) n * Float.BYTES);

        upload(vectors, plan, res, x, copy);
        rt.streamWaitEvent(compute, res.lastUpload);
        int[] result = new int[n * k];
        int cap = plan.capacity();
        if (!CandidateWindow.fitsGpu(cap)) {
            for (int row = 0; row < n; row++) fallback(row, n, dim, k, x, scores, hostScores, compute, result);
            return result;
        }
        MemorySegment xb = MemorySegment.NULL;
        if (precision == CandidateWindow.Precision.BF16) {
            xb = res.device((long) n * dim * 2);
            drv.launch(toBf16, "knn_to_bf16", 1024, 1, 256, 0, compute, x, xb, (long) n * dim);
        }
        int rowTile = plan.rowTile(), colBlock = plan.colBlock();
        MemorySegment gram = res.device((long) rowTile * colBlock * Float.BYTES);
        MemorySegment listScore = res.device((long) rowTile * cap * Float.BYTES);
        MemorySegment listIndex = res.device((long) rowTile * cap * Integer.BYTES);
        MemorySegment listCount = res.device((long) rowTile * Integer.BYTES);
        MemorySegment[] out = {res.device((long) rowTile * k * 4), res.device((long) rowTile * k * 4)};
        MemorySegment[] flags = {res.device(rowTile * 4L), res.device(rowTile * 4L)};
        MemorySegment[] hostOut = {res.host((long) rowTile * k * 4), res.host((long) rowTile * k * 4)};
        MemorySegment[] hostFlags = {res.host(rowTile * 4L), res.host(rowTile * 4L)};
        MemorySegment[] ready = {res.event(), res.event()};
        MemorySegment[] copied = {res.event(), res.event()};
        MemorySegment handle = res.cublas(blas);
        blas.setStream(handle, compute);
        blas.setMathMode(handle, precision == CandidateWindow.Precision.FP32 ? Cublas.PEDANTIC_MATH : Cublas.DEFAULT_MATH);
        float width = CandidateWindow.width(precision, dim);
        int complete = cap == n - 1 ? 1 : 0;
        int sortN = sortSize(cap);
        int tiles = (n + rowTile - 1) / rowTile;
        for (int t = 0; t < tiles; t++) {
            int row0 = t * rowTile, rows = Math.min(rowTile, n - row0), b = t & 1;
            for (int col0 = 0; col0 < n; col0 += colBlock) {
                int cols = Math.min(colBlock, n - col0);
                gram(blas, handle, x, xb, dim, row0, rows, col0, cols, gram);
                drv.launch(merge, "knn_merge_topk", rows, 1, MERGE_THREADS, sortN * 8, compute,
                        gram, cols, row0, col0, listScore, listIndex, listCount, cap, sortN, col0 == 0 ? 1 : 0);
            }
            drv.launch(rescore, "knn_rescore_select", rows, 1, RESCORE_THREADS, cap * 8, compute,
                    x, dim, row0, listScore, listIndex, cap, k, width, complete, out[b], flags[b]);
            rt.eventRecord(ready[b], compute);
            rt.streamWaitEvent(copy, ready[b]);
            rt.memcpyAsync(hostOut[b], out[b], (long) rows * k * 4, MEMCPY_DEVICE_TO_HOST, copy);
            rt.memcpyAsync(hostFlags[b], flags[b], rows * 4L, MEMCPY_DEVICE_TO_HOST, copy);
            rt.eventRecord(copied[b], copy);
            if (t > 0) finish(t - 1, rowTile, n, dim, k, copied, hostOut, hostFlags, x, scores, hostScores, compute, result);
        }
        finish(tiles - 1, rowTile, n, dim, k, copied, hostOut, hostFlags, x, scores, hostScores, compute, result);
        return result;
    }

    private void gram(Cublas blas, MemorySegment handle, MemorySegment x, MemorySegment xb, int dim, int row0, int rows,
            int col0, int cols, MemorySegment gram) {
        long f = Float.BYTES;
        switch (precision) {
            case FP32 -> blas.sgemm(handle, Cublas.OP_T, Cublas.OP_N, cols, rows, dim, x.asSlice(col0 * dim * f), dim,
                    x.asSlice(row0 * dim * f), dim, gram, cols);
            case TF32 -> blas.gemmEx(handle, Cublas.OP_T, Cublas.OP_N, cols, rows, dim, x.asSlice(col0 * dim * f), dim,
                    x.asSlice(row0 * dim * f), dim, Cublas.R_32F, gram, cols, Cublas.R_32F, Cublas.COMPUTE_32F_FAST_TF32);
            case BF16 -> blas.gemmEx(handle, Cublas.OP_T, Cublas.OP_N, cols, rows, dim, xb.asSlice(col0 * dim * 2L), dim,
                    xb.asSlice(row0 * dim * 2L), dim, Cublas.R_16BF, gram, cols, Cublas.R_32F, Cublas.COMPUTE_32F);
        }
    }

    /** Waits for tile {@code t}'s download, stores its rows, recomputes its overflowed rows. */
    private void finish(int t, int rowTile, int n, int dim, int k, MemorySegment[] copied, MemorySegment[] hostOut,
            MemorySegment[] hostFlags, MemorySegment x, MemorySegment scores, MemorySegment hostScores, MemorySegment compute,
            int[] result) {
        int b = t & 1, row0 = t * rowTile, rows = Math.min(rowTile, n - row0);
        libs.runtime().eventSynchronize(copied[b]);
        MemorySegment.copy(hostOut[b], ValueLayout.JAVA_INT, 0, result, row0 * k, rows * k);
        for (int r = 0; r < rows; r++) {
            if (hostFlags[b].getAtIndex(ValueLayout.JAVA_INT, r) != 0) {
                fallback(row0 + r, n, dim, k, x, scores, hostScores, compute, result);
            }
        }
    }

    /** Exact scores of {@code row} against all rows on the GPU, selection on the host. */
    private void fallback(int row, int n, int dim, int k, MemorySegment x, MemorySegment scores, MemorySegment hostScores,
            MemorySegment compute, int[] result) {
        CudaRuntime rt = libs.runtime();
        libs.driver().launch(exactScores, "knn_exact_scores", (n + 255) / 256, 1, 256, 0, compute, x, dim, row, n, scores);
        rt.memcpyAsync(hostScores, scores, n * 4L, MEMCPY_DEVICE_TO_HOST, compute);
        rt.streamSynchronize(compute);
        TopK top = new TopK(1, k);
        for (int j = 0; j < n; j++) {
            if (j == row) continue;
            float sim = hostScores.getAtIndex(ValueLayout.JAVA_FLOAT, j);
            if (sim >= top.threshold(0)) top.offer(0, sim, j);
        }
        top.copyIndices(0, result, row * k);
    }

    /** Normalises rows chunk by chunk into two pinned buffers in turn and copies them to {@code x}. */
    private void upload(RowMatrix vectors, CudaTilePlan plan, Resources res, MemorySegment x, MemorySegment copy) {
        CudaRuntime rt = libs.runtime();
        int n = vectors.rows(), dim = vectors.cols(), chunk = plan.uploadRows();
        long chunkBytes = (long) chunk * dim * Float.BYTES;
        MemorySegment[] staging = {res.host(chunkBytes), res.host(chunkBytes)};
        MemorySegment[] done = {res.event(), res.event()};
        boolean[] used = new boolean[2];
        for (int row0 = 0, c = 0; row0 < n; row0 += chunk, c++) {
            int b = c & 1, end = Math.min(n, row0 + chunk);
            if (used[b]) rt.eventSynchronize(done[b]);
            normaliseInto(vectors, row0, end, staging[b]);
            rt.memcpyAsync(x.asSlice((long) row0 * dim * Float.BYTES), staging[b], (long) (end - row0) * dim * Float.BYTES,
                    MEMCPY_HOST_TO_DEVICE, copy);
            rt.eventRecord(done[b], copy);
            used[b] = true;
            res.lastUpload = done[b];
        }
    }

    /** Rows [from, to) as unit vectors into {@code dst}, in parallel; the lowest bad row's error is thrown. */
    private static void normaliseInto(RowMatrix vectors, int from, int to, MemorySegment dst) {
        int dim = vectors.cols();
        ConcurrentSkipListMap<Integer, IllegalArgumentException> errors = new ConcurrentSkipListMap<>();
        ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[dim]);
        IntStream.range(from, to).parallel().forEach(row -> {
            float[] buf = scratch.get();
            try {
                UnitRows.read(vectors, row, buf);
                MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_FLOAT, (long) (row - from) * dim * Float.BYTES, dim);
            } catch (IllegalArgumentException e) {
                errors.put(row, e);
            }
        });
        if (!errors.isEmpty()) throw errors.firstEntry().getValue();
    }

    /** Everything one call allocates, released in reverse order (after the device has finished). */
    private final class Resources implements AutoCloseable {
        private final CudaRuntime rt;
        private final List<Runnable> releases = new ArrayList<>();
        MemorySegment lastUpload;

        Resources(CudaRuntime rt) {
            this.rt = rt;
        }

        MemorySegment device(long bytes) {
            MemorySegment pointer = rt.malloc(bytes);
            releases.add(() -> rt.free(pointer));
            return pointer;
        }

        MemorySegment host(long bytes) {
            MemorySegment pointer = rt.mallocHost(bytes);
            releases.add(() -> rt.freeHost(pointer));
            return pointer;
        }

        MemorySegment stream() {
            MemorySegment stream = rt.streamCreate(CudaRuntime.STREAM_NON_BLOCKING);
            releases.add(() -> rt.streamDestroy(stream));
            return stream;
        }

        MemorySegment event() {
            MemorySegment event = rt.eventCreate(CudaRuntime.EVENT_DISABLE_TIMING);
            releases.add(() -> rt.eventDestroy(event));
            return event;
        }

        MemorySegment cublas(Cublas blas) {
            MemorySegment handle = blas.create();
            releases.add(() -> blas.destroy(handle));
            return handle;
        }

        @Override
        public void close() {
            RuntimeException first = null;
            try {
                rt.deviceSynchronize();
            } catch (RuntimeException e) {
                first = e;
            }
            for (Runnable release : releases.reversed()) {
                try {
                    release.run();
                } catch (RuntimeException e) {
                    if (first == null) first = e;
                }
            }
            if (first != null) throw first;
        }
    }

    /** The CUDA backend for this machine, or the one-line reason there is none. Never throws. */
    static CudaProbe probe() {
        return switch (CudaLibraries.probe()) {
            case CudaLibraries.Missing(String reason) -> new CudaProbe.Unavailable(reason);
            case CudaLibraries.Ready ready -> {
                try {
                    yield new CudaProbe.Available(new CudaKnnBackend(ready.libraries(), 0, configuredPrecision(),
                            new KernelCache(KernelCache.defaultDir(System.getenv(), System.getProperty("user.home", "/tmp")))));
                } catch (RuntimeException e) {
                    yield new CudaProbe.Unavailable("CUDA device 0 could not be used: " + e.getMessage());
                }
            }
        };
    }

}
