package dev.strata.knn.cuda;

/**
 * How the CUDA backend splits one layer's work to fit device memory, never an n x n matrix.
 *
 * <p>Device memory: the unit vectors (n x D float32; plus n x D bfloat16 in BF16 mode), one Gram
 * tile of {@code rowTile x colBlock} floats, the running lists of a row tile ({@code rowTile x
 * capacity} score/index pairs plus a count), two output buffers ({@code rowTile x k} ints and
 * {@code rowTile} overflow flags, double-buffered so a tile's download overlaps the next tile's
 * compute), and n floats for the exact fallback. A reserve is left for cuBLAS's workspace and the
 * context. Host: two pinned upload buffers of {@code uploadRows x D} floats and two pinned output
 * buffers.
 *
 * @param rowTile rows whose neighbours are computed together (one Gram tile's height)
 * @param colBlock columns of one Gram tile
 * @param uploadRows rows per host-to-device copy
 * @param capacity candidates kept per row
 * @param deviceBytes device memory the plan allocates
 */
record CudaTilePlan(int rowTile, int colBlock, int uploadRows, int capacity, long deviceBytes) {
    /** Left free for cuBLAS workspace, the module and fragmentation. */
    static final long RESERVE = 512L << 20;
    /** Use at most this share of the free memory after the reserve. */
    static final double SHARE = 0.9;
    /** Largest Gram tile, in bytes: beyond it cuBLAS gains nothing and selection latency grows. */
    static final long MAX_TILE_BYTES = 1L << 30;
    /** Rows per tile at most (one merge block per row: enough to fill any current GPU many times over). */
    static final int MAX_ROW_TILE = 8192;
    /** Upload chunks of about this many bytes. */
    static final long UPLOAD_BYTES = 32L << 20;

    /**
     * Plans for {@code n} rows of {@code dim} values, {@code k} neighbours and {@code freeBytes} of free
     * device memory (cudaMemGetInfo). Throws an IllegalArgumentException saying how much memory is
     * needed when the vectors themselves do not fit.
     */
    static CudaTilePlan of(int n, int dim, int k, long freeBytes, CandidateWindow.Precision precision) {
        int capacity = CandidateWindow.capacity(n, k);
        long vectors = (long) n * dim * Float.BYTES + (precision == CandidateWindow.Precision.BF16 ? (long) n * dim * 2 : 0);
        long fixed = vectors + (long) n * Float.BYTES;
        long usable = (long) ((freeBytes - RESERVE) * SHARE);
        long left = usable - fixed;
        // Per row of a tile: lists (capacity x 8 + 4), outputs (2 x (k x 4 + 4)), plus a column block of Gram.
        long perRowFixed = (long) capacity * 8 + 4 + 2L * ((long) k * 4 + 4);
        int minRows = Math.min(n, 256);
        int minCols = Math.min(n, 256);
        if (left < (long) minRows * (perRowFixed + (long) minCols * 4)) {
            double gib = 1024.0 * 1024 * 1024;
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "n = %d rows of D = %d need about %.2f GiB of GPU memory, %.2f GiB are free; use the cpu device",
                    n, dim, (fixed + (long) minRows * (perRowFixed + (long) minCols * 4) + RESERVE) / gib, freeBytes / gib));
        }
        int rowTile = Math.min(n, MAX_ROW_TILE);
        long tileBudget = Math.min(MAX_TILE_BYTES, left / 2);
        int colBlock;
        while (true) {
            long remaining = left - (long) rowTile * perRowFixed;
            long cols = Math.min(remaining, tileBudget) / ((long) rowTile * Float.BYTES);
            if (cols >= minCols || rowTile <= minRows) {
                colBlock = (int) Math.max(minCols, Math.min(n, cols));
                break;
            }
            rowTile = Math.max(minRows, rowTile / 2);
        }
        if (colBlock < n && colBlock >= 256) colBlock = colBlock / 256 * 256;
        int uploadRows = (int) Math.max(1, Math.min(n, UPLOAD_BYTES / ((long) dim * Float.BYTES)));
        long device = fixed + (long) rowTile * perRowFixed + (long) rowTile * colBlock * Float.BYTES;
        return new CudaTilePlan(rowTile, colBlock, uploadRows, capacity, device);
    }
}
