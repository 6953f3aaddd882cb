package dev.strata.io;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal safetensors writer for tests: 2-D float tensors stored as F32, F16 or BF16. */
public final class SafetensorsWriter {
    private record Entry(String name, SafetensorsReader.DType dtype, float[][] rows) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter add(String name, SafetensorsReader.DType dtype, float[][] rows) {
        entries.add(new Entry(name, dtype, rows));
        return this;
    }

    public void write(Path path) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", metadata);
        List<byte[]> blobs = new ArrayList<>();
        long offset = 0;
        for (Entry e : entries) {
            byte[] blob = encode(e);
            int cols = e.rows().length == 0 ? 0 : e.rows()[0].length;
            header.put(e.name(), Map.of("dtype", e.dtype().name(), "shape", List.of(e.rows().length, cols),
                    "data_offsets", List.of(offset, offset + blob.length)));
            blobs.add(blob);
            offset += blob.length;
        }
        byte[] json = JSON.std.asString(header).getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (byte[] blob : blobs) out.write(blob);
        }
    }

    private static byte[] encode(Entry e) {
        int cols = e.rows().length == 0 ? 0 : e.rows()[0].length;
        ByteBuffer buf = ByteBuffer.allocate(e.rows().length * cols * e.dtype().bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : e.rows()) {
            for (float v : row) {
                switch (e.dtype()) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(Float.floatToFloat16(v));
                    // Truncation is fine here: tests compare with what was stored, not with v.
                    case BF16 -> buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                    default -> throw new IllegalArgumentException("test writer has no " + e.dtype());
                }
            }
        }
        return buf.array();
    }

    /** Writes raw bytes: an 8-byte length, the given header text, then {@code dataBytes} zero bytes. */
    public static void writeRaw(Path path, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            out.write(new byte[dataBytes]);
        }
    }
}
