package dev.strata.gguf;

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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A memory-mapped GGUF file (versions 2 and 3). {@link #open} checks everything llama.cpp relies on before any of it
 * is used: every length and count against the bytes actually present, value and tensor types, shapes, alignment and
 * where each tensor's data lies. A malformed file fails with a one-line {@link GgufFormatException}; nothing read from
 * the header sizes an allocation before the bytes behind it have been seen.
 *
 * <p>Layout: magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the metadata (key, type, value), the
 * tensor infos (name, u32 dims, u64 per dim, u32 type, u64 offset), padding to the alignment, then tensor data at
 * aligned offsets relative to the start of the data section. All little endian.
 */
public final class GgufFile implements AutoCloseable {
    public static final String ALIGNMENT_KEY = "general.alignment";
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    /** ggml's GGML_MAX_NAME, which includes the terminating NUL. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    /** Arrays of arrays are legal GGUF; deeper nesting than this is taken for a corrupt file. */
    public static final int MAX_ARRAY_DEPTH = 4;

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    // The smallest metadata entry (1-byte key, bool value) and tensor info (1-byte name, 1 dim): bounds on counts.
    private static final long MIN_KV_BYTES = 8 + 1 + 4 + 1;
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;

    /** One tensor: name, shape in ggml order (ne[0] varies fastest), type, offset into the data section, size. */
    public record TensorInfo(String name, long[] dims, GgmlType type, long offset, long byteSize) {
        public TensorInfo {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        public long elementCount() {
            return Arrays.stream(dims).reduce(1, Math::multiplyExact);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                    && type == t.type && offset == t.offset && byteSize == t.byteSize;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return name + " " + type.ggmlName() + " " + Arrays.toString(dims) + " @" + offset;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> tensorsByName;
    private final long alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, Parser parser) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = parser.version;
        this.metadata = Collections.unmodifiableMap(parser.metadata);
        this.types = Collections.unmodifiableMap(parser.types);
        this.tensors = List.copyOf(parser.tensors);
        this.tensorsByName = new LinkedHashMap<>();
        for (TensorInfo tensor : tensors) {
            tensorsByName.put(tensor.name(), tensor);
        }
        this.alignment = parser.alignment;
        this.dataOffset = parser.dataOffset;
    }

    /** Maps and validates {@code path}. The mapping stays until {@link #close()}. */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            Parser parser = new Parser(path, mapping);
            parser.parse();
            return new GgufFile(path, arena, mapping, parser);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public long alignment() {
        return alignment;
    }

    /** Where the data section starts in the file; tensor offsets count from here. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Every metadata entry in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public Optional<GgufValueType> type(String key) {
        return Optional.ofNullable(types.get(key));
    }

    public Optional<Object> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The string at {@code key}; empty when absent or not a string. */
    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The integer (any width) at {@code key}; empty when absent or not an integer. */
    public OptionalLong integer(String key) {
        return metadata.get(key) instanceof Long n ? OptionalLong.of(n) : OptionalLong.empty();
    }

    /** The number (float or integer) at {@code key}; empty when absent or not a number. */
    public OptionalDouble number(String key) {
        return metadata.get(key) instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
    }

    public Optional<Boolean> bool(String key) {
        return metadata.get(key) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** The array at {@code key}; empty when absent or not an array. */
    public Optional<GgufArray> array(String key) {
        return metadata.get(key) instanceof GgufArray a ? Optional.of(a) : Optional.empty();
    }

    /** Tensor infos in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** The tensor's bytes, read-only, valid until {@link #close()}. */
    public MemorySegment data(TensorInfo tensor) {
        return mapping.asSlice(dataOffset + tensor.offset(), tensor.byteSize());
    }

    /** The tensor's elements widened to float, for F32, F16 and BF16 tensors. */
    public float[] floats(TensorInfo tensor) {
        MemorySegment data = data(tensor);
        int count = Math.toIntExact(tensor.elementCount());
        float[] values = new float[count];
        switch (tensor.type()) {
            case F32 -> MemorySegment.copy(data, LE_FLOAT, 0, values, 0, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.float16ToFloat(data.get(LE_SHORT, 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat(data.get(LE_SHORT, 2L * i) << 16);
                }
            }
            default -> throw new IllegalArgumentException(
                    "tensor '" + tensor.name() + "' is " + tensor.type().ggmlName() + ", not a float type");
        }
        return values;
    }

    /** Releases the mapping; segments from {@link #data} become invalid. */
    @Override
    public void close() {
        arena.close();
    }

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Reads the header sequentially, checking each read against the bytes left. */
    private static final class Parser {
        private final Path path;
        private final MemorySegment file;
        private final long size;
        private long position;

        int version;
        final Map<String, Object> metadata = new LinkedHashMap<>();
        final Map<String, GgufValueType> types = new LinkedHashMap<>();
        final List<TensorInfo> tensors = new ArrayList<>();
        long alignment = DEFAULT_ALIGNMENT;
        long dataOffset;

        Parser(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
            this.size = file.byteSize();
        }

        void parse() throws GgufFormatException {
            if (size < 4 || file.get(LE_INT, 0) != MAGIC) {
                throw fail("not a GGUF file (no GGUF magic at the start)");
            }
            position = 4;
            long versionField = u32("version");
            if (versionField == 1) {
                throw fail("GGUF version 1 is no longer supported (convert the model again)");
            }
            if (versionField != 2 && versionField != 3) {
                throw fail("unsupported GGUF version " + versionField + " (expected 2 or 3)");
            }
            version = (int) versionField;
            long tensorCount = count(u64("tensor count"), MIN_TENSOR_INFO_BYTES, "tensor count");
            long kvCount = count(u64("metadata count"), MIN_KV_BYTES, "metadata count");
            for (long i = 0; i < kvCount; i++) {
                readEntry(i);
            }
            readAlignment();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < tensorCount; i++) {
                tensors.add(readTensorInfo(i, names));
            }
            dataOffset = align(position);
            if (tensorCount > 0 && dataOffset > size) {
                throw fail("data section would start at " + dataOffset + ", past the end of the file (" + size
                        + " bytes)");
            }
            checkTensorPlacement();
        }

        private void readEntry(long index) throws GgufFormatException {
            String key = string("key of metadata entry " + index);
            if (key.isEmpty()) {
                throw fail("metadata entry " + index + " has an empty key");
            }
            if (metadata.containsKey(key)) {
                throw fail("metadata key " + quote(key) + " appears twice");
            }
            GgufValueType type = valueType(u32("type of " + quote(key)), key);
            metadata.put(key, value(type, key, 0));
            types.put(key, type);
        }

        private GgufValueType valueType(long id, String key) throws GgufFormatException {
            return GgufValueType.byId(id).orElseThrow(
                    () -> fail("metadata " + quote(key) + " has unknown value type " + id));
        }

        private Object value(GgufValueType type, String key, int depth) throws GgufFormatException {
            String what = "value of " + quote(key);
            return switch (type) {
                case UINT8 -> (long) Byte.toUnsignedInt(bytes(1, what).get(ValueLayout.JAVA_BYTE, 0));
                case INT8 -> (long) bytes(1, what).get(ValueLayout.JAVA_BYTE, 0);
                case UINT16 -> (long) Short.toUnsignedInt(bytes(2, what).get(LE_SHORT, 0));
                case INT16 -> (long) bytes(2, what).get(LE_SHORT, 0);
                case UINT32 -> u32(what);
                case INT32 -> (long) bytes(4, what).get(LE_INT, 0);
                case UINT64, INT64 -> u64(what);
                case FLOAT32 -> bytes(4, what).get(LE_FLOAT, 0);
                case FLOAT64 -> bytes(8, what).get(LE_DOUBLE, 0);
                case BOOL -> readBool(key);
                case STRING -> string(what);
                case ARRAY -> array(key, depth);
            };
        }

        private boolean readBool(String key) throws GgufFormatException {
            byte b = bytes(1, "value of " + quote(key)).get(ValueLayout.JAVA_BYTE, 0);
            if (b != 0 && b != 1) {
                throw fail("metadata " + quote(key) + " has bool value " + b + " (expected 0 or 1)");
            }
            return b == 1;
        }

        private GgufArray array(String key, int depth) throws GgufFormatException {
            if (depth >= MAX_ARRAY_DEPTH) {
                throw fail("metadata " + quote(key) + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
            }
            GgufValueType elementType = valueType(u32("array type of " + quote(key)), key);
            long length = u64("array length of " + quote(key));
            if (length < 0 || length > Integer.MAX_VALUE - 8
                    || length > (size - position) / elementType.minimumSize()) {
                throw fail("metadata " + quote(key) + " claims " + Long.toUnsignedString(length) + " "
                        + elementType.name().toLowerCase() + " elements, more than the " + (size - position)
                        + " bytes left in the file can hold");
            }
            // Grown as elements are read, not presized from the claimed length.
            List<Object> values = new ArrayList<>();
            for (long i = 0; i < length; i++) {
                values.add(value(elementType, key, depth + 1));
            }
            return new GgufArray(elementType, values);
        }

        private void readAlignment() throws GgufFormatException {
            if (!metadata.containsKey(ALIGNMENT_KEY)) {
                return;
            }
            if (types.get(ALIGNMENT_KEY) != GgufValueType.UINT32) {
                throw fail(ALIGNMENT_KEY + " is " + types.get(ALIGNMENT_KEY).name().toLowerCase()
                        + ", expected uint32");
            }
            alignment = (Long) metadata.get(ALIGNMENT_KEY);
            if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                throw fail(ALIGNMENT_KEY + " is " + alignment + ", not a power of two");
            }
        }

        private TensorInfo readTensorInfo(int index, Set<String> names) throws GgufFormatException {
            String name = string("name of tensor " + index);
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
                throw fail("tensor " + index + " name " + quote(name) + " is longer than " + MAX_TENSOR_NAME_BYTES
                        + " bytes");
            }
            if (!names.add(name)) {
                throw fail("tensor name " + quote(name) + " appears twice");
            }
            String tensor = "tensor " + quote(name);
            long dimCount = u32("dimension count of " + tensor);
            if (dimCount < 1 || dimCount > MAX_DIMS) {
                throw fail(tensor + " has " + dimCount + " dimensions (expected 1 to " + MAX_DIMS + ")");
            }
            long[] dims = new long[(int) dimCount];
            long elements = 1;
            for (int d = 0; d < dimCount; d++) {
                dims[d] = u64("dimension " + d + " of " + tensor);
                if (dims[d] <= 0) {
                    throw fail(tensor + " dimension " + d + " is " + Long.toUnsignedString(dims[d])
                            + " (expected a positive size)");
                }
                try {
                    elements = Math.multiplyExact(elements, dims[d]);
                } catch (ArithmeticException e) {
                    throw fail(tensor + " shape " + Arrays.toString(dims) + " has more elements than a long holds");
                }
            }
            long typeId = u32("type of " + tensor);
            GgmlType type = GgmlType.byId(typeId).orElseThrow(
                    () -> fail(tensor + " has unknown or removed ggml type " + typeId));
            if (dims[0] % type.blockSize() != 0) {
                throw fail(tensor + " row length " + dims[0] + " is not a multiple of the " + type.ggmlName()
                        + " block size " + type.blockSize());
            }
            long byteSize;
            try {
                byteSize = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw fail(tensor + " of " + elements + " " + type.ggmlName() + " elements is too large");
            }
            long offset = u64("data offset of " + tensor);
            return new TensorInfo(name, dims, type, offset, byteSize);
        }

        /** Each tensor aligned, inside the file, and packed in order as llama.cpp's gguf loader requires. */
        private void checkTensorPlacement() throws GgufFormatException {
            long expectedOffset = 0;
            for (TensorInfo tensor : tensors) {
                String name = "tensor " + quote(tensor.name());
                long offset = tensor.offset();
                if (offset < 0 || offset % alignment != 0) {
                    throw fail(name + " data offset " + Long.toUnsignedString(offset) + " is not a multiple of the "
                            + "alignment " + alignment);
                }
                long room = size - dataOffset;
                if (offset > room || tensor.byteSize() > room - offset) {
                    long start = dataOffset + Math.min(offset, Long.MAX_VALUE - dataOffset);
                    throw fail(name + " data [" + start + ", " + (start + Math.min(tensor.byteSize(),
                            Long.MAX_VALUE - start)) + ") runs past the end of the file (" + size + " bytes)");
                }
                if (offset != expectedOffset) {
                    throw fail(name + " data offset " + offset + " is not where the previous tensor ends ("
                            + expectedOffset + "); llama.cpp requires tensors packed in order");
                }
                expectedOffset = offset + align(tensor.byteSize());
            }
        }

        private long align(long offset) {
            return (offset + alignment - 1) / alignment * alignment;
        }

        /** A count of items each taking at least {@code minBytes}, checked against the bytes left. */
        private long count(long claimed, long minBytes, String what) throws GgufFormatException {
            long left = size - position;
            if (claimed < 0 || claimed > left / minBytes || claimed > Integer.MAX_VALUE - 8) {
                throw fail(what + " " + Long.toUnsignedString(claimed) + " is impossible in the " + left
                        + " bytes left in the file");
            }
            return claimed;
        }

        private MemorySegment bytes(long length, String what) throws GgufFormatException {
            if (length < 0 || length > size - position) {
                throw fail("file ends at " + size + " bytes, inside the " + what + " (" + Long.toUnsignedString(
                        length) + " bytes needed at offset " + position + ")");
            }
            MemorySegment slice = file.asSlice(position, length);
            position += length;
            return slice;
        }

        private long u32(String what) throws GgufFormatException {
            return Integer.toUnsignedLong(bytes(4, what).get(LE_INT, 0));
        }

        private long u64(String what) throws GgufFormatException {
            return bytes(8, what).get(LE_LONG, 0);
        }

        private String string(String what) throws GgufFormatException {
            long length = u64("length of the " + what);
            MemorySegment utf8 = bytes(length, what);
            if (length > Integer.MAX_VALUE - 8) {
                throw fail("the " + what + " is " + length + " bytes long, too long for a string");
            }
            return new String(utf8.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }

        private GgufFormatException fail(String problem) {
            return new GgufFormatException(path, problem);
        }
    }

    /** A name from the file, quoted and made safe for a one-line message. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("'");
        text.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c) || c == '\'' || c == '\\') {
                quoted.append(String.format("\\u%04x", c));
            } else {
                quoted.appendCodePoint(c);
            }
        });
        return quoted.append(text.codePointCount(0, text.length()) > 80 ? "...'" : "'").toString();
    }
}
