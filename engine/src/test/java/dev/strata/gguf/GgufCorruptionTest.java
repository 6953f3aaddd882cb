package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Damaged copies of a small valid file: each must fail with a one-line GgufFormatException naming the file. */
class GgufCorruptionTest {
    @TempDir
    static Path dir;

    static byte[] valid;
    static long dataOffset;

    @BeforeAll
    static void writeValidFile() throws IOException {
        Path file = dir.resolve("valid.gguf");
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putUint32("k.u32", 7)
                .put("k.i32", GgufValueType.INT32, -7)
                .putString("k.string", "hello")
                .put("k.bytes", GgufValueType.ARRAY, new GgufArray(GgufValueType.UINT8, List.of(1L, 2L, 3L)))
                .put("k.flag", GgufValueType.BOOL, true)
                .putUint32(GgufFile.ALIGNMENT_KEY, 32)
                .tensor("t.one", GgmlType.F32, new long[] {8, 2}, i -> i)
                .tensor("t.two", GgmlType.F16, new long[] {32}, i -> -i)
                .write(file);
        valid = Files.readAllBytes(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            dataOffset = gguf.dataOffset();
        }
    }

    /** Where the bytes after the first occurrence of {@code text} begin. */
    static int after(String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + needle.length <= valid.length; i++) {
            if (Arrays.equals(valid, i, i + needle.length, needle, 0, needle.length)) {
                return i + needle.length;
            }
        }
        throw new AssertionError(text + " not in the file");
    }

    static UnaryOperator<byte[]> u32(int at, long value) {
        return bytes -> {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) value);
            return bytes;
        };
    }

    static UnaryOperator<byte[]> u8(int at, int value) {
        return bytes -> {
            bytes[at] = (byte) value;
            return bytes;
        };
    }

    static UnaryOperator<byte[]> u64(int at, long value) {
        return bytes -> {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
            return bytes;
        };
    }

    static UnaryOperator<byte[]> truncate(long length) {
        return bytes -> Arrays.copyOf(bytes, (int) length);
    }

    static UnaryOperator<byte[]> replace(String text, String same) {
        return bytes -> {
            byte[] replacement = same.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(replacement, 0, bytes, after(text) - replacement.length, replacement.length);
            return bytes;
        };
    }

    static UnaryOperator<byte[]> both(UnaryOperator<byte[]> first, UnaryOperator<byte[]> second) {
        return bytes -> second.apply(first.apply(bytes));
    }

    static Stream<Arguments> corruptions() {
        int string = after("k.string");
        int array = after("k.bytes");
        int one = after("t.one"); // n_dims, ne0, ne1, type, offset
        int two = after("t.two"); // n_dims, ne0, type, offset
        int alignment = after(GgufFile.ALIGNMENT_KEY) + 4;
        long huge = 1L << 40;
        List<Arguments> cases = new ArrayList<>();
        for (long length : new long[] {0, 3, 4, 6, 10, 20, 27, string - 3, string + 6, string + 14, array + 6,
                array + 14, one - 2, one + 10, one + 30, two + 15, dataOffset - 1, dataOffset + 10,
                valid.length - 1}) {
            cases.add(Arguments.of("truncated to " + length + " bytes", truncate(length), ""));
        }
        cases.add(Arguments.of("bad magic", u32(0, 0x46554748), "not a GGUF file"));
        cases.add(Arguments.of("version 1", u32(4, 1), "version 1 is no longer supported"));
        cases.add(Arguments.of("version 99", u32(4, 99), "unsupported GGUF version 99"));
        cases.add(Arguments.of("absurd tensor count", u64(8, huge), "tensor count 1099511627776 is impossible"));
        cases.add(Arguments.of("absurd metadata count", u64(16, huge), "metadata count 1099511627776 is impossible"));
        cases.add(Arguments.of("tensor count with high bit", u64(8, 1L << 63), "tensor count 9223372036854775808"));
        cases.add(Arguments.of("metadata count with high bit", u64(16, -2), "metadata count 18446744073709551614"));
        cases.add(Arguments.of("huge string length", u64(string + 4, huge), "file ends at"));
        cases.add(Arguments.of("string length with high bit", u64(string + 4, -1), "18446744073709551615 bytes needed"));
        cases.add(Arguments.of("huge array length", u64(array + 8, huge), "claims 1099511627776 uint8 elements"));
        cases.add(Arguments.of("array length with high bit", u64(array + 8, -3), "claims 18446744073709551613"));
        cases.add(Arguments.of("unknown metadata type", u32(string, 13), "'k.string' has unknown value type 13"));
        cases.add(Arguments.of("unknown array element type", u32(array + 4, 99), "'k.bytes' has unknown value type 99"));
        cases.add(Arguments.of("bool that is 2", u8(after("k.flag") + 4, 2), "bool value 2"));
        cases.add(Arguments.of("duplicate metadata key", replace("k.i32", "k.u32"), "'k.u32' appears twice"));
        cases.add(Arguments.of("alignment 3", u32(alignment, 3), "general.alignment is 3, not a power of two"));
        cases.add(Arguments.of("alignment 0", u32(alignment, 0), "general.alignment is 0, not a power of two"));
        cases.add(Arguments.of("alignment of type int32", u32(alignment - 4, 5), "general.alignment is int32"));
        cases.add(Arguments.of("unknown tensor type", u32(one + 20, 99), "'t.one' has unknown or removed ggml type 99"));
        cases.add(Arguments.of("removed tensor type Q4_2", u32(two + 12, 4), "unknown or removed ggml type 4"));
        cases.add(Arguments.of("row not a whole Q4_0 block", u32(one + 20, 2), "row length 8 is not a multiple"));
        cases.add(Arguments.of("offset past the end", u64(two + 16, 1L << 20),
                "tensor 't.two' data [" + (dataOffset + (1L << 20)) + ", "));
        cases.add(Arguments.of("offset with high bit", u64(two + 16, 1L << 63), "'t.two' data offset 9223372036854775808"));
        cases.add(Arguments.of("misaligned offset", u64(two + 16, 64 + 4), "not a multiple of the alignment 32"));
        cases.add(Arguments.of("gap before the first tensor", u64(one + 24, 32), "llama.cpp requires tensors packed in order"));
        cases.add(Arguments.of("dimension of size 0", u64(one + 4, 0), "'t.one' dimension 0 is 0"));
        cases.add(Arguments.of("negative dimension", u64(one + 12, -8), "dimension 1 is 18446744073709551608"));
        cases.add(Arguments.of("no dimensions", u32(one, 0), "'t.one' has 0 dimensions"));
        cases.add(Arguments.of("9 dimensions", u32(one, 9), "'t.one' has 9 dimensions"));
        cases.add(Arguments.of("element count overflow", both(u64(one + 4, 1L << 32), u64(one + 12, 1L << 32)),
                "has more elements than a long holds"));
        cases.add(Arguments.of("duplicate tensor name", replace("t.two", "t.one"), "tensor name 't.one' appears twice"));
        cases.add(Arguments.of("name with a newline", both(replace("t.two", "x\ny.z"), u32(two + 12, 99)),
                "tensor 'x\\u000ay.z' has unknown"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void damagedFileIsRefusedWithOneLine(String name, UnaryOperator<byte[]> damage, String expected)
            throws IOException {
        Path file = dir.resolve(name.replaceAll("[^a-z0-9]+", "-") + ".gguf");
        Files.write(file, damage.apply(valid.clone()));

        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close());

        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void validFileOpens() throws IOException {
        Path file = dir.resolve("valid-again.gguf");
        Files.write(file, valid);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(2, gguf.tensors().size());
        }
    }

    @Test
    void arraysNestedTooDeeplyAreRefused() throws IOException {
        GgufArray nested = new GgufArray(GgufValueType.UINT8, List.of(1L));
        for (int depth = 1; depth <= GgufFile.MAX_ARRAY_DEPTH; depth++) {
            nested = new GgufArray(GgufValueType.ARRAY, List.of(nested));
        }
        Path file = dir.resolve("deep.gguf");
        new GgufWriter().put("deep", GgufValueType.ARRAY, nested).write(file);

        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close());
        assertEquals(file + ": metadata 'deep' nests arrays deeper than " + GgufFile.MAX_ARRAY_DEPTH, e.getMessage());
    }
}
