package dev.strata.store;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where everything lies in one activations file: a safetensors file of T float32 tensors, each [n, D], stored in
 * tensor order, rows in corpus order. The header depends only on (n, D, T, metadata), so it can be written before any
 * row and every row has a fixed offset from the start.
 */
final class SafetensorsLayout {
    /** The safetensors crate pads the header with spaces so the data starts 8-byte aligned. */
    private static final int HEADER_ALIGNMENT = 8;

    private final byte[] header;
    private final long dataStart;
    private final long tensorBytes;
    private final long rowBytes;
    private final int tensors;

    private final StoreFingerprint shape;

    SafetensorsLayout(StoreFingerprint shape, Map<String, String> metadata) {
        this(shape, metadata, 0);
    }

    /**
     * @param reservedBytes spaces added to the header's padding, so that {@link #headerWith} can add metadata known
     *                      only when the rows are written without moving them
     */
    SafetensorsLayout(StoreFingerprint shape, Map<String, String> metadata, int reservedBytes) {
        this.shape = shape;
        this.tensors = shape.tensors();
        this.rowBytes = (long) shape.width() * Float.BYTES;
        this.tensorBytes = rowBytes * shape.prompts();
        this.header = header(shape, metadata, tensorBytes, reservedBytes);
        this.dataStart = header.length;
    }

    /** The header of this layout with {@code metadata} instead, padded to the same length; the rows stay where they are. */
    byte[] headerWith(Map<String, String> metadata) {
        byte[] json = json(shape, metadata, tensorBytes);
        if (json.length > header.length - Long.BYTES) {
            throw new IllegalStateException("metadata of " + json.length + " bytes exceeds the reserved header of "
                    + (header.length - Long.BYTES));
        }
        return padded(json, header.length - Long.BYTES);
    }

    /** The bytes a metadata entry takes in the header: what to reserve for an entry added by {@link #headerWith}. */
    static int entryBytes(String key, String value) {
        return quote(key).getBytes(StandardCharsets.UTF_8).length + quote(value).getBytes(StandardCharsets.UTF_8).length + 2;
    }

    /** The 8-byte length prefix and the padded JSON, exactly as they start the file. */
    byte[] header() {
        return header.clone();
    }

    /** File offset of tensor {@code tensor}'s row {@code row}. */
    long rowOffset(int tensor, int row) {
        return dataStart + tensor * tensorBytes + row * rowBytes;
    }

    long fileSize() {
        return dataStart + tensors * tensorBytes;
    }

    private static byte[] header(StoreFingerprint shape, Map<String, String> metadata, long tensorBytes, int reservedBytes) {
        byte[] utf8 = json(shape, metadata, tensorBytes);
        int length = utf8.length + reservedBytes;
        return padded(utf8, (length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT);
    }

    private static byte[] json(StoreFingerprint shape, Map<String, String> metadata, long tensorBytes) {
        // Hand-assembled so the bytes are fixed by the inputs: metadata sorted by key, tensors in layer order.
        StringBuilder json = new StringBuilder("{\"__metadata__\":{");
        String separator = "";
        for (Map.Entry<String, String> entry : new TreeMap<>(metadata).entrySet()) {
            json.append(separator).append(quote(entry.getKey())).append(':').append(quote(entry.getValue()));
            separator = ",";
        }
        json.append('}');
        List<String> names = shape.tensorNames();
        for (int t = 0; t < names.size(); t++) {
            json.append(',').append(quote(names.get(t)))
                    .append(":{\"dtype\":\"F32\",\"shape\":[").append(shape.prompts()).append(',').append(shape.width())
                    .append("],\"data_offsets\":[").append(t * tensorBytes).append(',').append((t + 1) * tensorBytes)
                    .append("]}");
        }
        json.append('}');
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The length prefix and the JSON padded with spaces to {@code padded} bytes. */
    private static byte[] padded(byte[] utf8, int padded) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES + padded).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(padded).put(utf8);
        while (bytes.hasRemaining()) {
            bytes.put((byte) ' ');
        }
        return bytes.array();
    }

    private static String quote(String text) {
        try {
            return JSON.std.asString(text);
        } catch (IOException e) {
            throw new UncheckedIOException("JSON-quoting a string cannot fail", e);
        }
    }
}
