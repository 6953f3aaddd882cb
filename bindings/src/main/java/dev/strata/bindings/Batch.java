package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * A llama_batch of token ids from llama_batch_init, each token in one sequence. Filling it allocates
 * nothing: the per-token arrays are viewed once, at construction.
 */
public final class Batch implements AutoCloseable {
    private static final long N_TOKENS = Layouts.offset(Layouts.LLAMA_BATCH, "n_tokens");

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment segment;
    private final int capacity;
    private final MemorySegment tokens, positions, seqCounts, outputs;
    private final MemorySegment[] seqIds;
    private boolean freed;

    /** A batch of up to {@code capacity} tokens. */
    public Batch(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("batch capacity must be positive: " + capacity);
        this.capacity = capacity;
        try {
            segment = (MemorySegment) Llama.H.BATCH_INIT.invokeExact((SegmentAllocator) arena, capacity, 0, 1);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        tokens = field("token", capacity * 4L);
        positions = field("pos", capacity * 4L);
        seqCounts = field("n_seq_id", capacity * 4L);
        outputs = field("logits", capacity);
        MemorySegment seqIdPointers = field("seq_id", capacity * ADDRESS.byteSize());
        seqIds = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            seqIds[i] = seqIdPointers.getAtIndex(ADDRESS, i).reinterpret(4);
        }
        clear();
    }

    private MemorySegment field(String name, long bytes) {
        return segment.get(ADDRESS, Layouts.offset(Layouts.LLAMA_BATCH, name)).reinterpret(bytes);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return segment.get(JAVA_INT, N_TOKENS);
    }

    /** Empties the batch. */
    public void clear() {
        segment.set(JAVA_INT, N_TOKENS, 0);
    }

    /** Appends a token of sequence {@code seq} at position {@code pos}; {@code output} keeps its row in the last block. */
    public void add(int token, int pos, int seq, boolean output) {
        int i = segment.get(JAVA_INT, N_TOKENS);
        if (i == capacity) throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        tokens.setAtIndex(JAVA_INT, i, token);
        positions.setAtIndex(JAVA_INT, i, pos);
        seqCounts.setAtIndex(JAVA_INT, i, 1);
        seqIds[i].set(JAVA_INT, 0, seq);
        outputs.set(JAVA_BYTE, i, (byte) (output ? 1 : 0));
        segment.set(JAVA_INT, N_TOKENS, i + 1);
    }

    MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (freed) return;
        freed = true;
        try {
            Llama.H.BATCH_FREE.invokeExact(segment);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
