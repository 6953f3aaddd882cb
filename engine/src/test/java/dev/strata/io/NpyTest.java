package dev.strata.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir Path dir;

    @Test
    void roundTripsEachTypeAndPadsHeaderTo64() throws IOException {
        Path ints = dir.resolve("i.npy");
        Npy.writeInt32(ints, new int[] {1, -2, 3, 4, 5, 6}, 2, 3);
        assertEquals(0, (Files.size(ints) - 24) % 64, "header must be padded to 64 bytes");
        Npy.Array a = Npy.read(ints);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new int[] {1, -2, 3, 4, 5, 6}, a.ints());

        Path doubles = dir.resolve("d.npy");
        Npy.writeFloat64(doubles, new double[] {0.5, Math.PI}, 2);
        assertArrayEquals(new double[] {0.5, Math.PI}, Npy.read(doubles).doubles());

        Path floats = dir.resolve("f.npy");
        Npy.writeFloat32(floats, new float[] {1.5f}, 1, 1, 1);
        assertArrayEquals(new int[] {1, 1, 1}, Npy.read(floats).shape());
    }

    @Test
    void headerMatchesNumpyByteForByte() {
        // numpy.save of np.zeros((2,3), '<i4') writes exactly this dictionary, padded with spaces.
        String h = new String(Npy.header(Npy.DType.INT32, new int[] {2, 3}), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(h.startsWith("\u0093NUMPY\u0001\u0000v\u0000{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"), h);
        assertTrue(h.endsWith(" \n"));
        String one = new String(Npy.header(Npy.DType.FLOAT64, new int[] {7}), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(one.contains("'shape': (7,), }"), one);
    }

    @Test
    void refusesTruncatedAndForeignFiles() throws IOException {
        Path p = dir.resolve("t.npy");
        Npy.writeInt32(p, new int[] {1, 2, 3, 4}, 4);
        byte[] bytes = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        IOException e = assertThrows(IOException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains("data bytes"), e.getMessage());
        Files.writeString(p, "hello world, not numpy");
        assertTrue(assertThrows(IOException.class, () -> Npy.read(p)).getMessage().contains("bad magic"));
    }

    @Test
    void refusesShapeDataMismatchOnWrite() {
        assertThrows(IllegalArgumentException.class, () -> Npy.writeInt32(dir.resolve("x.npy"), new int[3], 2, 2));
    }
}
