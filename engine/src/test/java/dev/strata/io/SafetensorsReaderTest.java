package dev.strata.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.io.SafetensorsReader.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {
    @TempDir Path dir;

    @Test
    void readsTensorsMetadataAndEachFloatDtype() throws IOException {
        float[][] values = {{1f, -2.5f, 0.1f}, {3f, 65504f, -0f}};
        Path file = dir.resolve("a.safetensors");
        new SafetensorsWriter().metadata("model", "tiny").metadata("corpus_sha256", "abc")
                .add("f32", DType.F32, values).add("f16", DType.F16, values).add("bf16", DType.BF16, values)
                .write(file);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Map.of("model", "tiny", "corpus_sha256", "abc"), r.metadata());
            assertEquals(List.of("f32", "f16", "bf16"), r.tensors().stream().map(SafetensorsReader.TensorInfo::name).toList());
            assertArrayEquals(new long[] {2, 3}, r.tensor("f16").shape());
            assertArrayEquals(values[0], r.readMatrix("f32")[0]);
            assertArrayEquals(values[1], r.readMatrix("f32")[1]);
            float[][] half = r.readMatrix("f16");
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.1f)), half[0][2]);
            assertEquals(65504f, half[1][1]);
            float[][] brain = r.readMatrix("bf16");
            assertEquals(-2.5f, brain[0][1]);
            assertEquals(Float.intBitsToFloat(Float.floatToRawIntBits(0.1f) & 0xffff0000), brain[0][2]);
        }
    }

    @Test
    void rejectsBrokenFilesWithOneLineNamingTheFile() throws IOException {
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16, "needs 16 bytes");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 8, "outside the 8-byte data section");
        assertRejected("{\"t\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unknown dtype 'Q4'");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "no data_offsets");
        assertRejected("{\"__metadata__\":{\"n\":3}}", 0, "not a string");
        assertRejected("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3, "overlap");
        assertRejected("not json", 0, "not a JSON object");

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2});
        IOException e = assertThrows(IOException.class, () -> SafetensorsReader.open(tiny));
        assertTrue(e.getMessage().startsWith(tiny.toString()), e.getMessage());

        Path huge = dir.resolve("len.safetensors");
        Files.write(huge, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        assertTrue(assertThrows(IOException.class, () -> SafetensorsReader.open(huge)).getMessage()
                .contains("header length 255"));
    }

    @Test
    void namesMissingTensorsAndWrongShapes() throws IOException {
        Path file = dir.resolve("v.safetensors");
        SafetensorsWriter.writeRaw(file, "{\"v\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[16,32]}}", 32);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertTrue(assertThrows(IOException.class, () -> r.tensor("w")).getMessage().endsWith("has no tensor 'w'"));
            assertTrue(assertThrows(IOException.class, () -> r.readMatrix("v")).getMessage().contains("expected 2-D"));
            assertTrue(assertThrows(IOException.class, () -> r.readMatrix("i")).getMessage().contains("dtype I32"));
        }
    }

    private void assertRejected(String header, int dataBytes, String expected) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        SafetensorsWriter.writeRaw(file, header, dataBytes);
        IOException e = assertThrows(IOException.class, () -> SafetensorsReader.open(file), header);
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should mention " + expected);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
