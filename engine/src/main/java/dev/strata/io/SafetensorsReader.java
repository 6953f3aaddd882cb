package dev.strata.io;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the tensor bytes. Files larger than 2 GiB work
 * (the mapping is a {@link MemorySegment}). Every offset, shape and dtype is checked on open; a
 * problem is an {@link IOException} whose one-line message starts with the file name.
 *
 * <p>Thread-safe for reading; {@link #close()} unmaps the file.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** A header larger than this is not a safetensors file we should trust (the format caps it at 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Element types of the format; the floating ones can be read as float32. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
        I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        boolean readableAsFloat() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }
    }

    /** One tensor: its dtype, shape, and where its bytes lie, counted from the start of the data section. */
    public record TensorInfo(String name, DType dtype, long[] shape, long dataOffset, long byteSize) {
        public long elementCount() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsReader(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code path} and validates its header. */
    public static SafetensorsReader open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) throw bad(path, "is " + fileSize + " bytes, too short for a safetensors header");
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
            long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
                throw bad(path, "header length " + headerLen + " does not fit a file of " + fileSize + " bytes");
            }
            byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = file.asSlice(8 + headerLen);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, new String(headerBytes, StandardCharsets.UTF_8),
                    data.byteSize(), metadata);
            return new SafetensorsReader(path, arena, data, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataSize,
            Map<String, String> metadataOut) throws IOException {
        Map<String, Object> header;
        try {
            header = JSON.std.mapFrom(json.strip());
        } catch (IOException | RuntimeException e) {
            throw bad(path, "header is not a JSON object (" + firstLine(e.getMessage()) + ")");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : header.entrySet()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                if (!(entry.getValue() instanceof Map<?, ?> meta)) throw bad(path, "__metadata__ is not an object");
                for (Map.Entry<?, ?> m : meta.entrySet()) {
                    if (!(m.getValue() instanceof String s)) {
                        throw bad(path, "__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadataOut.put((String) m.getKey(), s);
                }
                continue;
            }
            tensors.put(name, parseTensor(path, name, entry.getValue(), dataSize));
        }
        checkNoOverlap(path, tensors.values());
        return tensors;
    }

    private static TensorInfo parseTensor(Path path, String name, Object value, long dataSize) throws IOException {
        if (!(value instanceof Map<?, ?> fields)) throw bad(path, "tensor '" + name + "' is not an object");
        if (!(fields.get("dtype") instanceof String dtypeName)) throw bad(path, "tensor '" + name + "' has no dtype");
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw bad(path, "tensor '" + name + "' has unknown dtype '" + dtypeName + "'");
        }
        long[] shape = longList(path, name, "shape", fields.get("shape"));
        long[] offsets = longList(path, name, "data_offsets", fields.get("data_offsets"));
        if (offsets.length != 2) throw bad(path, "tensor '" + name + "' data_offsets must hold two numbers");
        for (long dim : shape) {
            if (dim < 0) throw bad(path, "tensor '" + name + "' has a negative dimension " + Arrays.toString(shape));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin || end > dataSize) {
            throw bad(path, "tensor '" + name + "' bytes [" + begin + ", " + end + ") lie outside the "
                    + dataSize + "-byte data section");
        }
        long expected;
        try {
            expected = Math.multiplyExact(Arrays.stream(shape).reduce(1, Math::multiplyExact), dtype.bytes);
        } catch (ArithmeticException e) {
            throw bad(path, "tensor '" + name + "' shape " + Arrays.toString(shape) + " is too large");
        }
        if (expected != end - begin) {
            throw bad(path, "tensor '" + name + "' " + dtype + Arrays.toString(shape) + " needs " + expected
                    + " bytes, data_offsets give " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end - begin);
    }

    private static long[] longList(Path path, String tensor, String field, Object value) throws IOException {
        if (!(value instanceof List<?> list)) throw bad(path, "tensor '" + tensor + "' has no " + field + " list");
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number num) || num instanceof Double || num instanceof Float) {
                throw bad(path, "tensor '" + tensor + "' " + field + " holds a non-integer " + list.get(i));
            }
            out[i] = num.longValue();
        }
        return out;
    }

    private static void checkNoOverlap(Path path, java.util.Collection<TensorInfo> tensors) throws IOException {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::dataOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1);
            TensorInfo next = byOffset.get(i);
            if (next.dataOffset() < prev.dataOffset() + prev.byteSize()) {
                throw bad(path, "tensors '" + prev.name() + "' and '" + next.name() + "' overlap");
            }
        }
    }

    public Path path() {
        return path;
    }

    /** The tensors in header order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The {@code __metadata__} strings (empty when the file has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; an IOException naming the file if there is none. */
    public TensorInfo tensor(String name) throws IOException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw bad(path, "has no tensor '" + name + "'");
        return t;
    }

    /** The raw little-endian bytes of a tensor, still mapped. */
    public MemorySegment bytes(TensorInfo t) {
        return data.asSlice(t.dataOffset(), t.byteSize());
    }

    /** Checks that {@code t} is a 2-D tensor of a floating dtype, the form {@link #readRow} accepts. */
    public void requireFloatMatrix(TensorInfo t) throws IOException {
        if (t.shape().length != 2) {
            throw bad(path, "tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape()) + ", expected 2-D");
        }
        if (!t.dtype().readableAsFloat()) {
            throw bad(path, "tensor '" + t.name() + "' has dtype " + t.dtype() + ", expected F32, F16, BF16 or F64");
        }
        if (t.shape()[1] > Integer.MAX_VALUE - 8) {
            throw bad(path, "tensor '" + t.name() + "' rows of " + t.shape()[1] + " values are too long");
        }
    }

    /**
     * Copies row {@code row} of the 2-D floating tensor {@code t} into {@code dst} as float32
     * (float16 and bfloat16 widen exactly; float64 rounds to nearest).
     */
    public void readRow(TensorInfo t, long row, float[] dst) {
        int cols = (int) t.shape()[1];
        if (row < 0 || row >= t.shape()[0]) throw new IndexOutOfBoundsException("row " + row + " of " + t);
        MemorySegment src = data;
        long at = t.dataOffset() + row * cols * t.dtype().bytes;
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(src, F32, at, dst, 0, cols);
            case F16 -> {
                for (int c = 0; c < cols; c++) dst[c] = Float.float16ToFloat(src.get(U16, at + 2L * c));
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) dst[c] = Float.intBitsToFloat(src.get(U16, at + 2L * c) << 16);
            }
            case F64 -> {
                for (int c = 0; c < cols; c++) dst[c] = (float) src.get(F64, at + 8L * c);
            }
            default -> throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' of dtype "
                    + t.dtype() + " cannot be read as float32");
        }
    }

    /** Reads a whole 2-D floating tensor as float32 rows. */
    public float[][] readMatrix(String name) throws IOException {
        TensorInfo t = tensor(name);
        requireFloatMatrix(t);
        if (t.shape()[0] > Integer.MAX_VALUE - 8) throw bad(path, "tensor '" + name + "' has too many rows");
        float[][] rows = new float[(int) t.shape()[0]][(int) t.shape()[1]];
        for (int r = 0; r < rows.length; r++) readRow(t, r, rows[r]);
        return rows;
    }

    @Override
    public void close() {
        arena.close();
    }

    private static IOException bad(Path path, String what) {
        return new IOException(path + ": " + what);
    }

    private static String firstLine(String s) {
        if (s == null) return "unparseable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
