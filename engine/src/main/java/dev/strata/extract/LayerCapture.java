package dev.strata.extract;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.strata.bindings.EvalHook;
import dev.strata.bindings.Ggml;
import dev.strata.store.Pooling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Receives graph nodes during llama_decode and keeps, for each sequence of the batch, the last token's
 * row, the mean over its tokens and the mean over its tokens but the first of every captured tensor. Slots, in output
 * order:
 * <ul>
 *   <li>0: the embeddings entering block 0: {@code embd}, renamed {@code inp_embd} by some architectures,
 *       then {@code inp_scaled} / {@code inp_embd_scaled} where the model scales them (Gemma). Later names
 *       win, as they come later in the graph;</li>
 *   <li>1..L: {@code l_out-<i>}, the residual after block i+1;</li>
 *   <li>L+1: {@code result_norm}, the final norm of the residual after block L.</li>
 * </ul>
 * Once {@code result_norm} is captured the graph is cut short: the LM head would only cost time.
 *
 * <p>Without either mean, only each prompt's last token is a llama.cpp output, and the graph keeps only those rows
 * in its last block: {@code l_out-<L-1>} and {@code result_norm} then hold one row per sequence.
 *
 * <p>Allocation-free once constructed: names are compared as bytes, rows are copied into off-heap
 * buffers, and the batch layout lives in arrays reused from batch to batch.
 */
public final class LayerCapture implements EvalHook.Listener, AutoCloseable {
    private static final byte[] LAYER_PREFIX = ascii("l_out-");
    private static final byte[] FINAL_NORM = ascii("result_norm");
    private static final byte[][] INPUT_NAMES = {ascii("embd"), ascii("inp_embd"), ascii("inp_scaled"), ascii("inp_embd_scaled")};

    private final int nLayer;
    private final int width;
    private final int slots;
    private final int maxSeqs;
    private final boolean allTokens;
    private final boolean pooledMean;
    private final boolean pooledMeanSkipFirst;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment last;
    private final MemorySegment mean;
    private final MemorySegment meanSkipFirst;
    private final MemorySegment scratch;
    private final double[] sum;
    private final double[] sumSkipFirst;
    private final byte[] name = new byte[Ggml.MAX_NAME];
    private final int[] seqStart;
    private final int[] seqLength;
    private final boolean[] captured;
    private int seqCount;
    private int tokenCount;
    private Set<String> namesSeen;

    /**
     * @param nLayer blocks in the model (L)
     * @param width residual width (D)
     * @param maxSeqs most sequences in one batch
     * @param maxTokens most tokens in one batch
     * @param poolings the poolings to compute (the last token's row always is); with the last token alone every token
     *                 but the last need not be an output
     */
    public LayerCapture(int nLayer, int width, int maxSeqs, int maxTokens, Set<Pooling> poolings) {
        this.nLayer = nLayer;
        this.width = width;
        this.slots = nLayer + 2;
        this.maxSeqs = maxSeqs;
        this.pooledMean = poolings.contains(Pooling.MEAN);
        this.pooledMeanSkipFirst = poolings.contains(Pooling.MEAN_SKIP_FIRST);
        this.allTokens = pooledMean || pooledMeanSkipFirst;
        long rowsBytes = (long) maxSeqs * slots * width * Float.BYTES;
        last = arena.allocate(rowsBytes, 64);
        mean = pooledMean ? arena.allocate(rowsBytes, 64) : null;
        meanSkipFirst = pooledMeanSkipFirst ? arena.allocate(rowsBytes, 64) : null;
        scratch = allTokens ? arena.allocate((long) maxTokens * width * Float.BYTES, 64) : MemorySegment.NULL;
        sum = new double[pooledMean ? width : 0];
        sumSkipFirst = new double[pooledMeanSkipFirst ? width : 0];
        seqStart = new int[maxSeqs];
        seqLength = new int[maxSeqs];
        captured = new boolean[slots];
    }

    /** Number of captured tensors per prompt: L + 2. */
    public int slots() {
        return slots;
    }

    public int width() {
        return width;
    }

    /** Last-token rows of the batch: [slot][sequence][width] float32 (tensor-major: a tensor's rows are adjacent). */
    public MemorySegment lastRows() {
        return last;
    }

    /** Mean rows of the batch: [slot][sequence][width] float32; null unless the mean was asked for. */
    public MemorySegment meanRows() {
        return mean;
    }

    /**
     * Rows of the mean over each prompt's tokens but its first (a prompt of one token: that token), same layout;
     * null unless that pooling was asked for.
     */
    public MemorySegment meanSkipFirstRows() {
        return meanSkipFirst;
    }

    /** The row segments in {@link Pooling} order, as {@code RowBatch.wrap} takes them: null for a pooling not asked for. */
    public MemorySegment[] rowsPerPooling() {
        MemorySegment[] rows = new MemorySegment[Pooling.values().length];
        rows[Pooling.LAST.ordinal()] = last;
        rows[Pooling.MEAN.ordinal()] = mean;
        rows[Pooling.MEAN_SKIP_FIRST.ordinal()] = meanSkipFirst;
        return rows;
    }

    /** Announces the next batch: sequence s holds tokens [start[s], start[s] + length[s]) of the batch. */
    void beginBatch(int seqs, int[] start, int[] length, int tokens) {
        seqCount = seqs;
        tokenCount = tokens;
        System.arraycopy(start, 0, seqStart, 0, seqs);
        System.arraycopy(length, 0, seqLength, 0, seqs);
        java.util.Arrays.fill(captured, false);
    }

    /** Records the names of all graph nodes during the next batch, to explain a failure to find the layers. */
    void recordNames() {
        namesSeen = new LinkedHashSet<>();
    }

    /** Throws when a slot was not filled in the last batch, listing what the graph offered instead. */
    void checkComplete(String modelName) {
        for (int slot = 0; slot < slots; slot++) {
            if (!captured[slot]) {
                String seen = namesSeen == null ? "(not recorded)" : String.join(", ", namesSeen);
                throw new IllegalStateException(modelName + ": the graph has no tensor for " + describe(slot)
                        + "; strata knows embd/inp_embd/inp_scaled, l_out-<i> and result_norm. Tensors seen: " + seen);
            }
        }
        namesSeen = null;
    }

    private String describe(int slot) {
        if (slot == 0) return "the input embeddings (layers.0)";
        if (slot == slots - 1) return "the final norm (result_norm)";
        return "the output of block " + (slot - 1) + " (l_out-" + (slot - 1) + ")";
    }

    @Override
    public boolean onTensor(long tensor, boolean ask) {
        int nameLength = Ggml.tensorName(tensor, name);
        if (ask && namesSeen != null) namesSeen.add(new String(name, 0, nameLength, StandardCharsets.UTF_8));
        int slot = slotOf(nameLength);
        if (ask) return slot >= 0;
        if (slot < 0) return true;
        capture(tensor, slot);
        captured[slot] = true;
        return slot != slots - 1;
    }

    private int slotOf(int length) {
        if (startsWith(length, LAYER_PREFIX)) {
            int block = 0;
            for (int i = LAYER_PREFIX.length; i < length; i++) {
                int digit = name[i] - '0';
                if (digit < 0 || digit > 9) return -1;
                block = block * 10 + digit;
            }
            return block < nLayer && length > LAYER_PREFIX.length ? block + 1 : -1;
        }
        if (equalsName(length, FINAL_NORM)) return slots - 1;
        for (byte[] input : INPUT_NAMES) {
            if (equalsName(length, input)) return 0;
        }
        return -1;
    }

    private void capture(long tensor, int slot) {
        long rows = Ggml.tensorNe(tensor, 1);
        // All rows, or (last token only) the graph's output rows: one per sequence, in sequence order.
        boolean outputRowsOnly = !allTokens && rows == seqCount;
        if (Ggml.tensorType(tensor) != Ggml.TYPE_F32 || Ggml.tensorNe(tensor, 0) != width
                || (rows != tokenCount && !outputRowsOnly)
                || Ggml.tensorNb(tensor, 1) != (long) width * Float.BYTES
                || Ggml.tensorNe(tensor, 2) != 1 || Ggml.tensorNe(tensor, 3) != 1) {
            throw new IllegalStateException("tensor " + Ggml.tensorNameString(tensor) + " is " + Ggml.typeName(Ggml.tensorType(tensor))
                    + " [" + Ggml.tensorNe(tensor, 0) + ", " + rows + "]; expected contiguous f32 [" + width + ", " + tokenCount + "]");
        }
        long rowBytes = (long) width * Float.BYTES;
        if (!allTokens) {
            for (int s = 0; s < seqCount; s++) {
                long lastRow = rows == tokenCount ? seqStart[s] + seqLength[s] - 1 : s;
                Ggml.tensorGet(tensor, lastRow * rowBytes, last, ((long) slot * maxSeqs + s) * rowBytes, rowBytes);
            }
            return;
        }
        Ggml.tensorGet(tensor, 0, scratch, 0, rows * rowBytes);
        for (int s = 0; s < seqCount; s++) {
            long out = ((long) slot * maxSeqs + s) * rowBytes;
            int first = seqStart[s];
            int end = first + seqLength[s];
            MemorySegment.copy(scratch, (end - 1) * rowBytes, last, out, rowBytes);
            if (pooledMean && pooledMeanSkipFirst) {
                meansOfRows(first, end, out);
            } else if (pooledMean) {
                meanOfRows(first, end, sum, mean, out);
            } else if (pooledMeanSkipFirst) {
                meanOfRows(skipFirst(first, end), end, sumSkipFirst, meanSkipFirst, out);
            }
        }
    }

    /** The first row of mean-skip-first: the sequence's second, or its only one. */
    private static int skipFirst(int first, int end) {
        return end - first > 1 ? first + 1 : first;
    }

    /**
     * Writes the mean of scratch rows [from, end), summed in double in row order into {@code sum}, at byte {@code out}
     * of {@code target}.
     */
    private void meanOfRows(int from, int end, double[] sum, MemorySegment target, long out) {
        java.util.Arrays.fill(sum, 0.0);
        for (int row = from; row < end; row++) {
            long base = row * (long) width;
            for (int d = 0; d < width; d++) {
                sum[d] += scratch.getAtIndex(JAVA_FLOAT, base + d);
            }
        }
        store(sum, end - from, target, out);
    }

    /**
     * Both means of scratch rows [first, end) in one pass over the rows. Each sum adds the same rows in the same order
     * as {@link #meanOfRows} would (mean-skip-first its own sum, not the mean's minus the first row), so the floats are
     * those of two separate passes.
     */
    private void meansOfRows(int first, int end, long out) {
        java.util.Arrays.fill(sum, 0.0);
        java.util.Arrays.fill(sumSkipFirst, 0.0);
        int skipFrom = skipFirst(first, end);
        for (int d = 0; d < width; d++) {
            sum[d] += scratch.getAtIndex(JAVA_FLOAT, first * (long) width + d);
        }
        if (skipFrom == first) System.arraycopy(sum, 0, sumSkipFirst, 0, width);
        for (int row = first + 1; row < end; row++) {
            long base = row * (long) width;
            for (int d = 0; d < width; d++) {
                double value = scratch.getAtIndex(JAVA_FLOAT, base + d);
                sum[d] += value;
                sumSkipFirst[d] += value;
            }
        }
        store(sum, end - first, mean, out);
        store(sumSkipFirst, end - skipFrom, meanSkipFirst, out);
    }

    /** Writes {@code sum / count} as floats at byte {@code out} of {@code target}. */
    private void store(double[] sum, int count, MemorySegment target, long out) {
        long targetBase = out / Float.BYTES;
        for (int d = 0; d < width; d++) {
            target.setAtIndex(JAVA_FLOAT, targetBase + d, (float) (sum[d] / count));
        }
    }

    private boolean startsWith(int length, byte[] prefix) {
        if (length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (name[i] != prefix[i]) return false;
        return true;
    }

    private boolean equalsName(int length, byte[] other) {
        return length == other.length && startsWith(length, other);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        arena.close();
    }
}
