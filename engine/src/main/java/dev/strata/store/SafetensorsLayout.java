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

    SafetensorsLayout(StoreFingerprint shape, Map<String, String> metadata) {
        this.tensors = shape.tensors();
        this.rowBytes = (long) shape.width() * Float.BYTES;
        this.tensorBytes = rowBytes * shape.prompts();
        this.header = header(shape, metadata, tensorBytes);
        this.dataStart = header.length;
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

    private static byte[] header(StoreFingerprint shape, Map<String, String> metadata, long tensorBytes) {
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
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
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
