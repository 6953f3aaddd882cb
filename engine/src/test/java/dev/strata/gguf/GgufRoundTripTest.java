package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeReadsBackAsWritten() throws Exception {
        Path file = dir.resolve("types.gguf");
        GgufArray nested = new GgufArray(GgufValueType.ARRAY, List.of(
                new GgufArray(GgufValueType.INT16, List.of(-1L, 2L)),
                new GgufArray(GgufValueType.INT16, List.of())));
        new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .put("u32", GgufValueType.UINT32, 4294967295L)
                .put("i32", GgufValueType.INT32, Integer.MIN_VALUE)
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .put("f32", GgufValueType.FLOAT32, 1.5e-5f)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .put("yes", GgufValueType.BOOL, true)
                .put("no", GgufValueType.BOOL, false)
                .put("text", GgufValueType.STRING, "héllo ▁wörld 🙂")
                .put("empty", GgufValueType.STRING, "")
                .put("strings", GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, List.of("a", "", "ü")))
                .put("floats", GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, List.of(0.5f, -2f)))
                .put("nested", GgufValueType.ARRAY, nested)
                .write(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(3, gguf.version());
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "yes", "no",
                    "text", "empty", "strings", "floats", "nested"), List.copyOf(gguf.metadata().keySet()));
            assertEquals(255L, gguf.integer("u8").orElseThrow());
            assertEquals(-128L, gguf.integer("i8").orElseThrow());
            assertEquals(65535L, gguf.integer("u16").orElseThrow());
            assertEquals(-32768L, gguf.integer("i16").orElseThrow());
            assertEquals(4294967295L, gguf.integer("u32").orElseThrow());
            assertEquals(Integer.MIN_VALUE, gguf.integer("i32").orElseThrow());
            assertEquals("18446744073709551615", Long.toUnsignedString(gguf.integer("u64").orElseThrow()));
            assertEquals(Long.MIN_VALUE, gguf.integer("i64").orElseThrow());
            assertEquals(1.5e-5f, gguf.metadata().get("f32"));
            assertEquals(Math.PI, gguf.number("f64").orElseThrow());
            assertEquals(true, gguf.bool("yes").orElseThrow());
            assertEquals(false, gguf.bool("no").orElseThrow());
            assertEquals("héllo ▁wörld 🙂", gguf.string("text").orElseThrow());
            assertEquals("", gguf.string("empty").orElseThrow());
            assertEquals(new GgufArray(GgufValueType.STRING, List.of("a", "", "ü")), gguf.array("strings").orElseThrow());
            assertEquals(List.of(0.5f, -2f), gguf.array("floats").orElseThrow().values());
            assertEquals(nested, gguf.array("nested").orElseThrow());
            assertEquals(GgufValueType.UINT16, gguf.type("u16").orElseThrow());
            assertFalse(gguf.string("u8").isPresent(), "a number is not a string");
            assertFalse(gguf.integer("missing").isPresent());
            assertTrue(gguf.tensors().isEmpty());
        }
    }

    @Test
    void tensorsReadBackAlignedAndEqual() throws Exception {
        Path file = dir.resolve("tensors.gguf");
        float[] matrix = new float[3 * 5];
        for (int i = 0; i < matrix.length; i++) {
            matrix[i] = i * 0.37f - 2;
        }
        float[] halves = {1f, -0.5f, 65504f, 1e-3f, 0.1f, 3f, 7f};
        new GgufWriter()
                .put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32, 64)
                .putString("general.architecture", "test")
                .tensor("matrix", GgmlType.F32, new long[] {3, 5}, matrix)
                .tensor("halves", GgmlType.F16, new long[] {7}, halves)
                .tensor("tail", GgmlType.F32, new long[] {1, 1, 2, 1}, i -> i + 10f)
                .write(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(64, gguf.alignment());
            assertEquals(0, gguf.dataOffset() % 64);
            List<GgufFile.TensorInfo> tensors = gguf.tensors();
            assertEquals(List.of("matrix", "halves", "tail"), tensors.stream().map(GgufFile.TensorInfo::name).toList());
            GgufFile.TensorInfo m = tensors.get(0);
            assertArrayEquals(new long[] {3, 5}, m.dims());
            assertEquals(GgmlType.F32, m.type());
            assertEquals(0, m.offset());
            assertEquals(60, m.byteSize());
            assertArrayEquals(matrix, gguf.floats(m));
            assertEquals(matrix[7], gguf.data(m).get(GgufFile.LE_FLOAT, 7 * 4));

            GgufFile.TensorInfo h = gguf.tensor("halves").orElseThrow();
            assertEquals(64, h.offset(), "the second tensor starts at the next multiple of the alignment");
            assertEquals(14, h.byteSize());
            float[] expected = new float[halves.length];
            for (int i = 0; i < halves.length; i++) {
                expected[i] = Float.float16ToFloat(Float.floatToFloat16(halves[i]));
            }
            assertArrayEquals(expected, gguf.floats(h));

            GgufFile.TensorInfo tail = gguf.tensor("tail").orElseThrow();
            assertEquals(128, tail.offset());
            assertArrayEquals(new float[] {10f, 11f}, gguf.floats(tail));
            assertEquals(gguf.dataOffset() + 128 + 64, gguf.fileSize(), "the last tensor is padded like the others");
            assertEquals(11f, gguf.data(tail).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
        }
    }

    @Test
    void summaryOfEmptyModelSaysUnknown() throws Exception {
        Path file = dir.resolve("bare.gguf");
        new GgufWriter().putString("general.architecture", "mystery").write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            ModelSummary summary = ModelSummary.of(gguf);
            assertEquals("mystery", summary.architecture());
            assertEquals("unknown", summary.heads());
            assertFalse(summary.blocks().isPresent());
            assertEquals(Map.of(), summary.tensorTypes());
            assertTrue(summary.format().contains("blocks:          unknown\n"), summary.format());
        }
    }
}
