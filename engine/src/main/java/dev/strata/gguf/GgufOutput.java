package dev.strata.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * GGUF's little-endian encoding of primitives, strings and metadata values, counting the bytes written so that the
 * data section can be aligned. It writes what it is given without judging it: {@link GgufWriter} checks values first,
 * and the tests' fuzzer writes on purpose what a writer must not.
 */
public final class GgufOutput {
    private final OutputStream out;
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    public GgufOutput(OutputStream out) {
        this.out = out;
    }

    /** Bytes written so far. */
    public long written() {
        return written;
    }

    public void u8(int value) throws IOException {
        out.write(value);
        written++;
    }

    public void u16(short value) throws IOException {
        emit(scratch.clear().putShort(value));
    }

    public void u32(int value) throws IOException {
        emit(scratch.clear().putInt(value));
    }

    public void u64(long value) throws IOException {
        emit(scratch.clear().putLong(value));
    }

    /** A length-prefixed UTF-8 string. */
    public void string(String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        out.write(utf8);
        written += utf8.length;
    }

    public void zeros(long count) throws IOException {
        for (long i = 0; i < count; i++) {
            u8(0);
        }
    }

    /** A metadata value of {@code type}, without its type tag; arrays carry their element type and size. */
    public void value(GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8, BOOL -> u8(value instanceof Boolean b ? (b ? 1 : 0) : ((Number) value).intValue());
            case UINT16, INT16 -> u16((short) ((Number) value).intValue());
            case UINT32, INT32 -> u32(((Number) value).intValue());
            case UINT64, INT64 -> u64(((Number) value).longValue());
            case FLOAT32 -> u32(Float.floatToRawIntBits(((Number) value).floatValue()));
            case FLOAT64 -> u64(Double.doubleToRawLongBits(((Number) value).doubleValue()));
            case STRING -> string((String) value);
            case ARRAY -> {
                GgufArray array = (GgufArray) value;
                u32(array.elementType().id());
                u64(array.size());
                for (Object element : array.values()) {
                    value(array.elementType(), element);
                }
            }
        }
    }

    public void flush() throws IOException {
        out.flush();
    }

    private void emit(ByteBuffer filled) throws IOException {
        out.write(filled.array(), 0, filled.position());
        written += filled.position();
    }
}
