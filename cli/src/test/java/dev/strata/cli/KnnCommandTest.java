package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.io.Npy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnnCommandTest {
    @TempDir Path dir;

    @Test
    void computesNeighboursEndToEnd() throws IOException {
        // Four points on a circle at 0, 10, 100 and 220 degrees, the same in each layer.
        double[] degrees = {0, 10, 100, 220};
        float[][] rows = new float[4][];
        for (int i = 0; i < 4; i++) {
            double r = Math.toRadians(degrees[i]);
            rows[i] = new float[] {(float) Math.cos(r), (float) Math.sin(r)};
        }
        Path acts = dir.resolve("acts.safetensors");
        writeF32(acts, new String[] {"layers.0", "layers.1", "final_norm"}, rows);
        Path out = dir.resolve("knn.npy");

        int code = Main.run("knn", "--activations", acts.toString(), "-k", "2", "--out", out.toString(),
                "--view", "raw", "--device", "cpu", "--threads", "2", "--quiet");

        assertEquals(0, code);
        Npy.Array npy = Npy.read(out);
        assertArrayEquals(new int[] {3, 4, 2}, npy.shape());
        int[] perLayer = {1, 2, 0, 2, 1, 0, 2, 0};
        for (int layer = 0; layer < 3; layer++) {
            for (int i = 0; i < perLayer.length; i++) assertEquals(perLayer[i], npy.ints()[layer * 8 + i], "at " + i);
        }
        assertTrue(Files.readString(dir.resolve("knn.npy.json")).contains("\"view\" : \"raw\""));
    }

    @Test
    void badInputIsOneLineAndExitCodeOne() throws IOException {
        Path acts = dir.resolve("acts.safetensors");
        writeF32(acts, new String[] {"layers.0", "final_norm"}, new float[][] {{1f, 0f}, {0f, 1f}});
        var err = new java.io.ByteArrayOutputStream();
        var saved = System.err;
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run("knn", "--activations", acts.toString(), "-k", "2", "--out", dir.resolve("o.npy").toString());
        } finally {
            System.setErr(saved);
        }
        assertEquals(1, code);
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(text.lines().toList().getLast().startsWith("strata knn: layer final_norm: k = 2 must be less than the number of rows (2)"), text);
        assertEquals(1, text.lines().filter(l -> l.startsWith("strata knn:")).count(), text);
        assertFalse(Files.exists(dir.resolve("o.npy")));
    }

    /** A minimal safetensors file of F32 tensors, all holding {@code rows}. */
    private static void writeF32(Path path, String[] names, float[][] rows) throws IOException {
        int bytes = rows.length * rows[0].length * 4;
        StringBuilder header = new StringBuilder("{");
        for (int t = 0; t < names.length; t++) {
            if (t > 0) header.append(',');
            header.append('"').append(names[t]).append("\":{\"dtype\":\"F32\",\"shape\":[").append(rows.length)
                    .append(',').append(rows[0].length).append("],\"data_offsets\":[").append(t * bytes).append(',')
                    .append((t + 1) * bytes).append("]}");
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + names.length * bytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        for (int t = 0; t < names.length; t++) {
            for (float[] row : rows) for (float v : row) buf.putFloat(v);
        }
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(buf.array());
        }
    }
}
