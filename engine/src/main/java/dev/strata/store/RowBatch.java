package dev.strata.store;

import dev.strata.io.NonFinite;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;

/**
 * One batch of pooled activations on their way to an {@link ActivationStore}: for each pooling an off-heap segment of
 * float32 values (little endian, {@link #FLOAT}) holding {@code capacity} prompt slots x T tensors x D floats, plus each
 * slot's token count and truncation flag. Fill it, hand it to {@link ActivationStore#append}, reuse it for the next
 * batch: the store writes straight from these segments, so the hot loop allocates nothing.
 *
 * <p>Slot {@code s} of a batch appended at {@code firstPrompt} is prompt {@code firstPrompt + s}. Where a row lies is
 * given by {@link #rowOffset(int, int)} and depends on the {@link Layout}.
 */
public final class RowBatch implements AutoCloseable {
    /** The element layout of the row segments. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int INFO_BYTES = 2 * Integer.BYTES;

    /** Order of the three axes in the row segments. */
    public enum Layout {
        /** [capacity][T][D]: a prompt's tensors are adjacent. */
        PROMPT_MAJOR,
        /** [T][capacity][D]: a tensor's rows are adjacent, so the store writes each tensor of a batch in one call. */
        TENSOR_MAJOR
    }

    private final int capacity;
    private final int tensors;
    private final int width;
    private final Layout layout;
    private final Arena arena;
    private final Map<Pooling, MemorySegment> rows = new EnumMap<>(Pooling.class);
    private final Map<Pooling, ByteBuffer> rowViews = new EnumMap<>(Pooling.class);
    private final ByteBuffer info;

    private RowBatch(int capacity, int tensors, int width, Layout layout, Arena arena, MemorySegment... perPooling) {
        long needed = bytes(capacity, tensors, width);
        if (perPooling.length != Pooling.values().length) {
            throw new IllegalArgumentException(perPooling.length + " row segments; one per pooling needed");
        }
        for (MemorySegment segment : perPooling) {
            if (segment != null && segment.byteSize() < needed) {
                throw new IllegalArgumentException("row segment of " + segment.byteSize() + " bytes is smaller than "
                        + capacity + " x " + tensors + " x " + width + " floats");
            }
        }
        this.capacity = capacity;
        this.tensors = tensors;
        this.width = width;
        this.layout = layout;
        this.arena = arena;
        for (Pooling pooling : Pooling.values()) {
            MemorySegment segment = perPooling[pooling.ordinal()];
            if (segment != null) rows.put(pooling, segment.asSlice(0, needed));
        }
        // Views made once here so that writing a batch creates no objects.
        rows.forEach((pooling, segment) -> rowViews.put(pooling, segment.asByteBuffer()));
        this.info = ByteBuffer.allocateDirect(capacity * INFO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A batch with its own off-heap memory (a shared arena, so any thread may fill it); {@link #close()} frees it. */
    public static RowBatch allocate(int capacity, int tensors, int width, Layout layout) {
        long needed = bytes(capacity, tensors, width);
        Arena arena = Arena.ofShared();
        MemorySegment[] perPooling = new MemorySegment[Pooling.values().length];
        for (int p = 0; p < perPooling.length; p++) perPooling[p] = arena.allocate(needed, Float.BYTES);
        return new RowBatch(capacity, tensors, width, layout, arena, perPooling);
    }

    /**
     * A batch over segments the caller owns (and frees), e.g. where the extractor pools into its own buffers: one per
     * pooling, in {@link Pooling} order, null for a pooling the batch never carries (nothing may ask for its rows).
     * Each must hold at least capacity x T x D floats in {@code layout} order and stay alive while the batch is used.
     */
    public static RowBatch wrap(int capacity, int tensors, int width, Layout layout, MemorySegment... perPooling) {
        return new RowBatch(capacity, tensors, width, layout, null, perPooling);
    }

    private static long bytes(int capacity, int tensors, int width) {
        if (capacity <= 0 || tensors <= 0 || width <= 0) {
            throw new IllegalArgumentException("batch needs positive capacity, tensors and width; got "
                    + capacity + ", " + tensors + ", " + width);
        }
        long bytes = (long) capacity * tensors * width * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            // The store writes through ByteBuffer views, which cannot exceed 2 GiB.
            throw new IllegalArgumentException("batch of " + bytes + " bytes per pooling exceeds 2 GiB; use fewer prompts per batch");
        }
        return bytes;
    }

    /**
     * The rows of one pooling: capacity x T x D floats of {@link #FLOAT} in {@link #layout()} order; null for a pooling
     * left out of {@link #wrap}.
     */
    public MemorySegment rows(Pooling pooling) {
        return rows.get(pooling);
    }

    /** Byte offset in {@link #rows(Pooling)} of the D floats of slot {@code slot}, tensor {@code tensor}. */
    public long rowOffset(int slot, int tensor) {
        long row = layout == Layout.PROMPT_MAJOR ? (long) slot * tensors + tensor : (long) tensor * capacity + slot;
        return row * width * Float.BYTES;
    }

    /** NaN and infinite values in the rows of {@code tensor} of slots 0 .. count-1 in {@code pooling}; allocates nothing. */
    public long nonFiniteValues(Pooling pooling, int count, int tensor) {
        MemorySegment segment = rows.get(pooling);
        if (layout == Layout.TENSOR_MAJOR) {
            return NonFinite.count(segment, rowOffset(0, tensor), (long) count * width);
        }
        long found = 0;
        for (int slot = 0; slot < count; slot++) {
            found += NonFinite.count(segment, rowOffset(slot, tensor), width);
        }
        return found;
    }

    /** NaN and infinite values in the row of {@code tensor} of slot {@code slot} in {@code pooling}. */
    public long nonFiniteValuesInSlot(Pooling pooling, int slot, int tensor) {
        return NonFinite.count(rows.get(pooling), rowOffset(slot, tensor), width);
    }

    /** Records slot {@code slot}'s token count (after truncation) and whether it was truncated. */
    public void setPromptInfo(int slot, int tokens, boolean truncated) {
        info.putInt(slot * INFO_BYTES, tokens).putInt(slot * INFO_BYTES + Integer.BYTES, truncated ? 1 : 0);
    }

    public int capacity() {
        return capacity;
    }

    public int tensors() {
        return tensors;
    }

    public int width() {
        return width;
    }

    public Layout layout() {
        return layout;
    }

    ByteBuffer rowView(Pooling pooling) {
        return rowViews.get(pooling);
    }

    ByteBuffer infoView() {
        return info;
    }

    static int infoBytes() {
        return INFO_BYTES;
    }

    /** Frees memory this batch allocated; segments given to {@link #wrap} stay the caller's. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
