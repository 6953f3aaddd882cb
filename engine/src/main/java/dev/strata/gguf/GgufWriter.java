package dev.strata.gguf;

import dev.strata.io.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files with F32 or F16 tensors. Metadata is kept in memory; tensor elements are pulled from
 * each tensor's {@link FloatSource} while the file is written, so a model never sits in memory whole. The file
 * appears atomically (see {@link AtomicFile}).
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", GgufValueType.STRING, "llama")
 *     .tensor("output_norm.weight", GgmlType.F32, new long[] {64}, i -> 1f)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    /** Yields a tensor's elements; the writer asks for indices 0, 1, 2, ... in order, each once. */
    @FunctionalInterface
    public interface FloatSource {
        float get(long index);
    }

    private record PendingTensor(String name, GgmlType type, long[] dims, long byteSize, FloatSource values) {}

    private final Map<String, GgufValueType> types = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    /**
     * Adds a metadata entry. Integer types take any {@link Number} (stored as its long value, truncated to the
     * type's width), FLOAT32 and FLOAT64 any {@link Number}, BOOL a {@link Boolean}, STRING a {@link String},
     * ARRAY a {@link GgufArray}.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (key.isEmpty() || types.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is empty or already set");
        }
        if (key.equals(GgufFile.ALIGNMENT_KEY) && (type != GgufValueType.UINT32 || Long.bitCount(
                ((Number) value).longValue()) != 1)) {
            throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a uint32 power of two");
        }
        checkValue(type, value);
        types.put(key, type);
        values.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    /** Copies the entry at {@code key} from {@code source}, keeping its type. */
    public GgufWriter copy(GgufFile source, String key) {
        return put(key, source.type(key).orElseThrow(), source.metadata().get(key));
    }

    /** Adds an F32 or F16 tensor of shape {@code dims} (ggml order: dims[0] varies fastest). */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, FloatSource values) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("the writer stores F32 and F16 tensors, not " + type);
        }
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS || Arrays.stream(dims).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("tensor '" + name + "' has bad shape " + Arrays.toString(dims));
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > GgufFile.MAX_TENSOR_NAME_BYTES
                || tensors.stream().anyMatch(t -> t.name.equals(name))) {
            throw new IllegalArgumentException("tensor name '" + name + "' is too long or already used");
        }
        long elements = Arrays.stream(dims).reduce(1, Math::multiplyExact);
        tensors.add(new PendingTensor(name, type, dims.clone(), type.byteSize(elements), values));
        return this;
    }

    public GgufWriter tensor(String name, GgmlType type, long[] dims, float[] values) {
        return tensor(name, type, dims, i -> values[Math.toIntExact(i)]);
    }

    /** Writes the file; {@code target} is replaced only once it is complete. */
    public void write(Path target) throws IOException {
        AtomicFile.write(target, raw -> {
            GgufOutput out = new GgufOutput(new BufferedOutputStream(raw, 1 << 16));
            writeTo(out);
            out.flush();
        });
    }

    private void writeTo(GgufOutput out) throws IOException {
        long alignment = values.containsKey(GgufFile.ALIGNMENT_KEY)
                ? ((Number) values.get(GgufFile.ALIGNMENT_KEY)).longValue()
                : GgufFile.DEFAULT_ALIGNMENT;
        out.u32(GgufFile.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(values.size());
        for (var entry : values.entrySet()) {
            out.string(entry.getKey());
            GgufValueType type = types.get(entry.getKey());
            out.u32(type.id());
            out.value(type, entry.getValue());
        }
        long offset = 0;
        for (PendingTensor tensor : tensors) {
            out.string(tensor.name);
            out.u32(tensor.dims.length);
            for (long dim : tensor.dims) {
                out.u64(dim);
            }
            out.u32(tensor.type.id());
            out.u64(offset);
            offset += padding(tensor.byteSize, alignment) + tensor.byteSize;
        }
        out.zeros(padding(out.written(), alignment));
        for (PendingTensor tensor : tensors) {
            long elements = tensor.byteSize / (tensor.type == GgmlType.F32 ? 4 : 2);
            for (long i = 0; i < elements; i++) {
                float value = tensor.values.get(i);
                if (tensor.type == GgmlType.F32) {
                    out.u32(Float.floatToRawIntBits(value));
                } else {
                    out.u16(Float.floatToFloat16(value));
                }
            }
            out.zeros(padding(tensor.byteSize, alignment));
        }
    }

    private static long padding(long offset, long alignment) {
        return (alignment - offset % alignment) % alignment;
    }

    private static void checkValue(GgufValueType type, Object value) {
        boolean fits = switch (type) {
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> {
                if (value instanceof GgufArray array) {
                    array.values().forEach(element -> checkValue(array.elementType(), element));
                    yield true;
                }
                yield false;
            }
            default -> value instanceof Number;
        };
        if (!fits) {
            throw new IllegalArgumentException(value + " is not a GGUF " + type.name().toLowerCase() + " value");
        }
    }
}
