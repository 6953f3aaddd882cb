package dev.strata.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy .npy files (format 1.0, C order, little endian) of int32, float32 and float64: what
 * {@code numpy.load} reads without arguments.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?)([a-z]\\d+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** Element types strata reads and writes. */
    public enum DType {
        INT32("i4", 4), FLOAT32("f4", 4), FLOAT64("f8", 8);

        final String code;
        final int size;

        DType(String code, int size) {
            this.code = code;
            this.size = size;
        }
    }

    /** An array read from a .npy file: its shape and its elements widened into one of the arrays. */
    public record Array(DType dtype, int[] shape, int[] ints, float[] floats, double[] doubles) {
        public long size() {
            return Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        }
    }

    private Npy() {}

    public static void writeInt32(Path path, int[] data, int... shape) throws IOException {
        write(path, DType.INT32, shape, data.length, (buf, i) -> buf.putInt(data[i]));
    }

    public static void writeFloat32(Path path, float[] data, int... shape) throws IOException {
        write(path, DType.FLOAT32, shape, data.length, (buf, i) -> buf.putFloat(data[i]));
    }

    public static void writeFloat64(Path path, double[] data, int... shape) throws IOException {
        write(path, DType.FLOAT64, shape, data.length, (buf, i) -> buf.putDouble(data[i]));
    }

    private interface ElementWriter {
        void put(ByteBuffer buf, int index);
    }

    private static void write(Path path, DType dtype, int[] shape, int length, ElementWriter elements)
            throws IOException {
        long expected = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        if (expected != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + expected
                    + " elements, data has " + length);
        }
        AtomicFile.write(path, raw -> {
            OutputStream out = new BufferedOutputStream(raw, 1 << 16);
            out.write(header(dtype, shape));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < length; i++) {
                if (buf.remaining() < dtype.size) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                elements.put(buf, i);
            }
            out.write(buf.array(), 0, buf.position());
            out.flush();
        });
    }

    static byte[] header(DType dtype, int[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1 ? shape[0] + "," : dims.substring(0, Math.max(0, dims.length() - 2));
        String dict = "{'descr': '<" + dtype.code + "', 'fortran_order': False, 'shape': (" + shapeText + "), }";
        // Header (magic + version + length + dict + padding + newline) is padded to a multiple of 64.
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String padded = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length());
        buf.put(padded.getBytes(StandardCharsets.US_ASCII));
        return buf.array();
    }

    /** Reads a .npy file of int32, float32 or float64 (either byte order), C order. */
    public static Array read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0, path);
            byte[] magic = new byte[6];
            pre.flip().get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw bad(path, "not a .npy file (bad magic)");
            int major = pre.get() & 0xff;
            pre.get();
            long headerLen;
            long dataStart;
            if (major == 1) {
                headerLen = pre.getShort() & 0xffff;
                dataStart = 10 + headerLen;
            } else if (major == 2 || major == 3) {
                ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, len, 8, path);
                headerLen = len.flip().getInt() & 0xffffffffL;
                dataStart = 12 + headerLen;
            } else {
                throw bad(path, "unsupported .npy version " + major);
            }
            if (dataStart > fileSize || headerLen > 1 << 20) throw bad(path, "header runs past the end of the file");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, dataStart - headerLen, path);
            String dict = new String(hb.array(), StandardCharsets.ISO_8859_1);

            Matcher dm = DESCR.matcher(dict);
            Matcher om = ORDER.matcher(dict);
            Matcher sm = SHAPE.matcher(dict);
            if (!dm.find() || !om.find() || !sm.find()) throw bad(path, "unreadable header " + dict.strip());
            if (om.group(1).equals("True")) throw bad(path, "Fortran-ordered arrays are not supported");
            DType dtype = Arrays.stream(DType.values()).filter(t -> t.code.equals(dm.group(2))).findFirst()
                    .orElseThrow(() -> bad(path, "unsupported dtype '" + dm.group(2) + "' (need int32, float32 or float64)"));
            ByteOrder order = dm.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            int[] shape = Arrays.stream(sm.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
            long count = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
            if (count > Integer.MAX_VALUE) throw bad(path, "array of " + count + " elements is too large");
            if (dataStart + count * dtype.size != fileSize) {
                throw bad(path, "holds " + (fileSize - dataStart) + " data bytes, shape " + Arrays.toString(shape)
                        + " needs " + count * dtype.size);
            }
            ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, count * dtype.size).order(order);
            int n = (int) count;
            return switch (dtype) {
                case INT32 -> {
                    int[] a = new int[n];
                    data.asIntBuffer().get(a);
                    yield new Array(dtype, shape, a, null, null);
                }
                case FLOAT32 -> {
                    float[] a = new float[n];
                    data.asFloatBuffer().get(a);
                    yield new Array(dtype, shape, null, a, null);
                }
                case FLOAT64 -> {
                    double[] a = new double[n];
                    data.asDoubleBuffer().get(a);
                    yield new Array(dtype, shape, null, null, a);
                }
            };
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path path) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) throw bad(path, "file ends inside its header");
        }
    }

    private static IOException bad(Path path, String what) {
        return new IOException(path + ": " + what);
    }
}
