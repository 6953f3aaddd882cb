package dev.strata.knn;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Exact cosine k-NN on the CPU, never holding an n x n matrix: the unit vectors are packed off-heap
 * (n x D floats), then each thread takes a tile of rows, walks the column blocks on or right of the
 * diagonal computing the tile's slice of the Gram matrix block by block, and streams each similarity
 * into the top-k lists of both its rows. Memory beyond the packed vectors is O(threads x n x k).
 *
 * <p><b>What "exact" means here.</b> Equal neighbours to a float64 reference cannot be promised
 * when two similarities differ by less than float32 rounding. strata defines the similarity as the
 * float32 dot product of the float32 unit vectors, accumulated sequentially over the dimensions with
 * fused multiply-adds (see {@link GramKernel}); the neighbours are exact for that similarity. The
 * summation order does not depend on the tile size, the thread count or the vector width, so the
 * result is the same bit for bit however the work is split, and the same for the scalar and the
 * Vector API kernels.
 */
public final class CpuKnnBackend implements KnnBackend {
    /**
     * Rows per tile aim for about this many bytes of packed vectors, kept on the heap while the
     * column blocks stream past. Measured on a 2-core EPYC with 2 MiB L2 per core (n = 6144, D = 4096
     * and n = 12288, D = 1024): 2 MiB beat 0.25, 0.5 and 4 MiB by 5-40%.
     */
    private static final int TILE_BYTES = 2 << 20;
    /** At least this many tiles per thread, so the uneven tiles (tile 0 has the most pairs) balance out. */
    private static final int TILES_PER_THREAD = 4;

    private final GramKernel kernel;
    private final int threads;
    private final int tileRows;

    /**
     * @param kernel the dot-product kernel
     * @param threads worker threads (at least 1)
     * @param tileRows rows per work unit, rounded up to a whole kernel block; 0 chooses from the dimension
     */
    CpuKnnBackend(GramKernel kernel, int threads, int tileRows) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (tileRows < 0) throw new IllegalArgumentException("tile rows must not be negative, got " + tileRows);
        this.kernel = kernel;
        this.threads = threads;
        this.tileRows = tileRows;
    }

    @Override
    public String describe() {
        return "cpu (" + kernel.describe() + ", " + threads + (threads == 1 ? " thread)" : " threads)");
    }

    @Override
    public int[] nearest(RowMatrix vectors, int k) {
        int n = vectors.rows();
        int dim = vectors.cols();
        UnitRows.checkArguments(vectors, k);
        int width = kernel.blockWidth();
        try (Arena arena = Arena.ofShared()) {
            PackedVectors packed = PackedVectors.allocate(arena, n, dim, width);
            pack(vectors, packed);
            int blocksPerTile = blocksPerTile(dim, width, packed.blocks);
            int tiles = (packed.blocks + blocksPerTile - 1) / blocksPerTile;
            // Tile 0 has the most blocks right of the diagonal; handing tiles out in order balances the load.
            List<TileWorker> workers = inParallel(tiles, () -> new TileWorker(packed, k, blocksPerTile));
            return merge(workers, n, k);
        }
    }

    /**
     * The neighbours of rows [from, to) alone: each tile of the block's rows walks every column block, as the
     * symmetry that halves {@link #nearest(RowMatrix, int)}'s work needs the other rows' tiles. A pair's similarity
     * is the same bits either way round and the top-k order is total, so the rows get the neighbours a whole run
     * gives them, at up to twice the dot products per row.
     */
    @Override
    public int[] nearest(RowMatrix vectors, int k, int from, int to) {
        UnitRows.checkArguments(vectors, k);
        UnitRows.checkRange(vectors, from, to);
        int width = kernel.blockWidth();
        try (Arena arena = Arena.ofShared()) {
            PackedVectors packed = PackedVectors.allocate(arena, vectors.rows(), vectors.cols(), width);
            pack(vectors, packed);
            int firstBlock = from / width;
            int endBlock = (to - 1) / width + 1;
            int blocksPerTile = blocksPerTile(packed.dim, width, endBlock - firstBlock);
            int tiles = (endBlock - firstBlock + blocksPerTile - 1) / blocksPerTile;
            // Each row belongs to one tile, so the tiles' workers share one list without touching each other's rows.
            TopK top = new TopK(to - from, k);
            inParallel(tiles, () -> new BlockWorker(packed, top, from, to, firstBlock, endBlock, blocksPerTile));
            int[] result = new int[(to - from) * k];
            for (int row = 0; row < to - from; row++) top.copyIndices(row, result, row * k);
            return result;
        }
    }

    /**
     * Normalises every row into {@code packed}. A bad row does not stop the others, so the error
     * reported is always the lowest bad row's, whatever the thread timing.
     */
    private void pack(RowMatrix vectors, PackedVectors packed) {
        ConcurrentSkipListMap<Integer, IllegalArgumentException> errors = new ConcurrentSkipListMap<>();
        inParallel(packed.blocks, () -> {
            float[] scratch = new float[packed.dim];
            return block -> {
                try {
                    packed.packBlock(vectors, block, scratch);
                } catch (IllegalArgumentException e) {
                    errors.put(block, e);
                }
            };
        });
        if (!errors.isEmpty()) throw errors.firstEntry().getValue();
    }

    /** Merges the workers' lists row by row; the order of the lists does not matter (TopK's order is total). */
    private int[] merge(List<TileWorker> workers, int n, int k) {
        int[] result = new int[n * k];
        int chunk = 1024;
        inParallel((n + chunk - 1) / chunk, () -> (IntConsumer) part -> {
            TopK target = workers.getFirst().top;
            for (int row = part * chunk; row < Math.min(n, (part + 1) * chunk); row++) {
                for (int w = 1; w < workers.size(); w++) workers.get(w).top.mergeInto(row, target);
                target.copyIndices(row, result, row * k);
            }
        });
        return result;
    }

    private int blocksPerTile(int dim, int width, int blocks) {
        if (tileRows > 0) return (tileRows + width - 1) / width;
        long fitting = TILE_BYTES / ((long) dim * width * Float.BYTES);
        long balanced = blocks / ((long) threads * TILES_PER_THREAD);
        return (int) Math.max(1, Math.min(fitting, balanced));
    }

    /**
     * One thread's share of the work. The Gram matrix is symmetric (the dot product of i and j equals
     * that of j and i bit for bit, as FMA is commutative in its factors), so a tile of rows only
     * computes the blocks on or right of the diagonal and offers each similarity to both rows. Each
     * worker therefore keeps top-k lists for all n rows; they are merged at the end.
     */
    private final class TileWorker implements IntConsumer {
        private final PackedVectors packed;
        private final int blocksPerTile;
        private final float[][] rowBlocks;
        private final float[] colBlock;
        private final float[] dots;
        private final float[] colThresholds;
        final TopK top;

        TileWorker(PackedVectors packed, int k, int blocksPerTile) {
            this.packed = packed;
            this.blocksPerTile = blocksPerTile;
            this.rowBlocks = new float[blocksPerTile][packed.width * packed.dim];
            this.colBlock = new float[packed.width * packed.dim];
            this.dots = new float[packed.width * packed.width];
            this.colThresholds = new float[packed.width];
            this.top = new TopK(packed.rows, k);
        }

        @Override
        public void accept(int tile) {
            int firstBlock = tile * blocksPerTile;
            int endBlock = Math.min(packed.blocks, firstBlock + blocksPerTile);
            for (int rowBlock = firstBlock; rowBlock < endBlock; rowBlock++) {
                packed.copyBlock(rowBlock, rowBlocks[rowBlock - firstBlock]);
            }
            for (int colBlockIndex = firstBlock; colBlockIndex < packed.blocks; colBlockIndex++) {
                float[] cols = colBlockIndex < endBlock ? rowBlocks[colBlockIndex - firstBlock] : colBlock;
                if (colBlockIndex >= endBlock) packed.copyBlock(colBlockIndex, colBlock);
                for (int rowBlock = firstBlock; rowBlock < endBlock && rowBlock <= colBlockIndex; rowBlock++) {
                    kernel.dotBlock(rowBlocks[rowBlock - firstBlock], cols, packed.dim, dots);
                    offerBlock(rowBlock, colBlockIndex);
                }
            }
        }

        /** Offers each pair of the block just computed to both of its rows, skipping self-pairs and padding. */
        private void offerBlock(int rowBlock, int colBlockIndex) {
            int width = packed.width;
            int n = packed.rows;
            int firstRow = rowBlock * width;
            int firstCol = colBlockIndex * width;
            int rows = Math.min(width, n - firstRow);
            int cols = Math.min(width, n - firstCol);
            for (int c = 0; c < cols; c++) colThresholds[c] = top.threshold(firstCol + c);
            for (int r = 0; r < rows; r++) {
                int row = firstRow + r;
                float rowThreshold = top.threshold(row);
                // On the diagonal block only pairs above the diagonal: each pair once, never a row with itself.
                for (int c = rowBlock == colBlockIndex ? r + 1 : 0, at = r * width + c; c < cols; c++, at++) {
                    float sim = dots[at];
                    // Cheap filters first; ties at a threshold still go to offer() for the index rule.
                    if (sim >= rowThreshold) {
                        top.offer(row, sim, firstCol + c);
                        rowThreshold = top.threshold(row);
                    }
                    if (sim >= colThresholds[c]) {
                        top.offer(firstCol + c, sim, row);
                        colThresholds[c] = top.threshold(firstCol + c);
                    }
                }
            }
        }
    }

    /** One thread's share of the rows [from, to): tiles of their blocks against every column block. */
    private final class BlockWorker implements IntConsumer {
        private final PackedVectors packed;
        private final TopK top;
        private final int from;
        private final int to;
        private final int firstBlock;
        private final int endBlock;
        private final int blocksPerTile;
        private final float[][] rowBlocks;
        private final float[] colBlock;
        private final float[] dots;

        BlockWorker(PackedVectors packed, TopK top, int from, int to, int firstBlock, int endBlock, int blocksPerTile) {
            this.packed = packed;
            this.top = top;
            this.from = from;
            this.to = to;
            this.firstBlock = firstBlock;
            this.endBlock = endBlock;
            this.blocksPerTile = blocksPerTile;
            this.rowBlocks = new float[blocksPerTile][packed.width * packed.dim];
            this.colBlock = new float[packed.width * packed.dim];
            this.dots = new float[packed.width * packed.width];
        }

        @Override
        public void accept(int tile) {
            int tileFirst = firstBlock + tile * blocksPerTile;
            int tileEnd = Math.min(endBlock, tileFirst + blocksPerTile);
            for (int rowBlock = tileFirst; rowBlock < tileEnd; rowBlock++) {
                packed.copyBlock(rowBlock, rowBlocks[rowBlock - tileFirst]);
            }
            for (int colBlockIndex = 0; colBlockIndex < packed.blocks; colBlockIndex++) {
                packed.copyBlock(colBlockIndex, colBlock);
                for (int rowBlock = tileFirst; rowBlock < tileEnd; rowBlock++) {
                    kernel.dotBlock(rowBlocks[rowBlock - tileFirst], colBlock, packed.dim, dots);
                    offerBlock(rowBlock, colBlockIndex);
                }
            }
        }

        /** Offers each pair of the block just computed to its row, for the rows of [from, to), never to itself. */
        private void offerBlock(int rowBlock, int colBlockIndex) {
            int width = packed.width;
            int firstRow = rowBlock * width;
            int firstCol = colBlockIndex * width;
            int cols = Math.min(width, packed.rows - firstCol);
            for (int row = Math.max(from, firstRow); row < Math.min(to, firstRow + width); row++) {
                int r = row - firstRow;
                float threshold = top.threshold(row - from);
                for (int c = 0, at = r * width; c < cols; c++, at++) {
                    // Ties at the threshold still go to offer() for the index rule.
                    if (dots[at] >= threshold && firstCol + c != row) {
                        top.offer(row - from, dots[at], firstCol + c);
                        threshold = top.threshold(row - from);
                    }
                }
            }
        }
    }

    /** Runs units [0, count) on this backend's threads, each thread with its own worker state; returns the states. */
    private <W extends IntConsumer> List<W> inParallel(int count, Supplier<W> workerFactory) {
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(threads, count);
        try (ExecutorService pool = Executors.newFixedThreadPool(workers, runnable -> {
            Thread t = new Thread(runnable, "strata-knn");
            t.setDaemon(true);
            return t;
        })) {
            List<Future<W>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    try {
                        W worker = workerFactory.get();
                        for (int unit = next.getAndIncrement(); unit < count; unit = next.getAndIncrement()) {
                            worker.accept(unit);
                        }
                        return worker;
                    } catch (RuntimeException | Error e) {
                        next.set(count); // stop the other workers taking new units
                        throw e;
                    }
                }));
            }
            List<W> states = new ArrayList<>();
            for (Future<W> f : futures) states.add(awaitRethrowing(f));
            return states;
        }
    }

    private static <T> T awaitRethrowing(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing neighbours", e);
        }
    }
}
