package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * ggml.h and ggml-backend.h, the parts strata uses. Tensors are passed as raw addresses ({@code long}),
 * as the graph callback receives them, so reading a tensor's fields and copying its rows allocates nothing.
 */
public final class Ggml {
    /** ggml_type id of float32. */
    public static final int TYPE_F32 = 0;
    /** Longest tensor name, terminator included (GGML_MAX_NAME). */
    public static final int MAX_NAME = 64;

    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final long TYPE = Layouts.offset(Layouts.GGML_TENSOR, "type");
    private static final long BUFFER = Layouts.offset(Layouts.GGML_TENSOR, "buffer");
    private static final long NE = Layouts.offset(Layouts.GGML_TENSOR, "ne");
    private static final long NB = Layouts.offset(Layouts.GGML_TENSOR, "nb");
    private static final long DATA = Layouts.offset(Layouts.GGML_TENSOR, "data");
    private static final long NAME = Layouts.offset(Layouts.GGML_TENSOR, "name");
    private static final long FEATURE_SIZE = Layouts.GGML_BACKEND_FEATURE.byteSize();
    private static final long FEATURE_NAME = Layouts.offset(Layouts.GGML_BACKEND_FEATURE, "name");
    private static final long FEATURE_VALUE = Layouts.offset(Layouts.GGML_BACKEND_FEATURE, "value");

    private Ggml() {}

    /** The tensor's ggml_type id. */
    public static int tensorType(long tensor) {
        return EVERYTHING.get(JAVA_INT, tensor + TYPE);
    }

    /** ne[dim]: number of elements along {@code dim} (0 = innermost, the row width). */
    public static long tensorNe(long tensor, int dim) {
        return EVERYTHING.get(JAVA_LONG, tensor + NE + 8L * dim);
    }

    /** nb[dim]: stride in bytes along {@code dim}. */
    public static long tensorNb(long tensor, int dim) {
        return EVERYTHING.get(JAVA_LONG, tensor + NB + 8L * dim);
    }

    /** The tensor's data address (host memory only when {@link #tensorIsHost}). */
    public static long tensorData(long tensor) {
        return EVERYTHING.get(JAVA_LONG, tensor + DATA);
    }

    /** Copies the tensor's NUL-terminated name into {@code dst} (at least {@link #MAX_NAME} bytes); returns its length. */
    public static int tensorName(long tensor, byte[] dst) {
        for (int i = 0; i < MAX_NAME; i++) {
            byte b = EVERYTHING.get(JAVA_BYTE, tensor + NAME + i);
            if (b == 0) return i;
            dst[i] = b;
        }
        return MAX_NAME;
    }

    /** The tensor's name as a String (allocates; not for hot paths). */
    public static String tensorNameString(long tensor) {
        byte[] buf = new byte[MAX_NAME];
        return new String(buf, 0, tensorName(tensor, buf), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** ggml_backend_buffer_is_host(tensor->buffer): whether the data is in host memory. */
    public static boolean tensorIsHost(long tensor) {
        long buffer = EVERYTHING.get(JAVA_LONG, tensor + BUFFER);
        if (buffer == 0) return false;
        try {
            return (boolean) H.BUFFER_IS_HOST.invokeExact(buffer);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * ggml_backend_tensor_get: copies {@code size} bytes from {@code tensorOffset} of the tensor (host or
     * device) to {@code dst} (native memory) at {@code dstOffset}. Checks the bounds and allocates nothing.
     */
    public static void tensorGet(long tensor, long tensorOffset, MemorySegment dst, long dstOffset, long size) {
        if (!dst.isNative()) throw new IllegalArgumentException("ggml_backend_tensor_get needs native memory, got " + dst);
        Objects.checkFromIndexSize(dstOffset, size, dst.byteSize());
        try {
            H.TENSOR_GET.invokeExact(tensor, dst.address() + dstOffset, tensorOffset, size);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** ggml_type_name: e.g. "f32", "q4_K". */
    public static String typeName(int type) {
        try {
            MemorySegment s = (MemorySegment) H.TYPE_NAME.invokeExact(type);
            return s.equals(MemorySegment.NULL) ? "type " + type : s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** ggml_backend_dev_count: devices of all loaded backends (the CPU counts as one). */
    public static int deviceCount() {
        try {
            return (int) (long) H.DEV_COUNT.invokeExact();
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** "name: description" of device {@code i}, e.g. "CPU: AMD EPYC 9654" or "CUDA0: NVIDIA H100". */
    public static String deviceName(int i) {
        try {
            MemorySegment dev = (MemorySegment) H.DEV_GET.invokeExact((long) i);
            String name = ((MemorySegment) H.DEV_NAME.invokeExact(dev)).reinterpret(Long.MAX_VALUE).getString(0);
            String desc = ((MemorySegment) H.DEV_DESCRIPTION.invokeExact(dev)).reinterpret(Long.MAX_VALUE).getString(0);
            return name + ": " + desc;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** The CPU backend that {@link Llama#init} loaded: its library (the variant ggml chose for this CPU) and features. */
    public static CpuBackend cpuBackend() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment reg = (MemorySegment) H.REG_BY_NAME.invokeExact(arena.allocateFrom("CPU"));
            if (reg.equals(MemorySegment.NULL)) throw new NativeException("llama.cpp has no CPU backend loaded");
            MemorySegment getFeatures = (MemorySegment) H.REG_GET_PROC_ADDRESS.invokeExact(reg,
                    arena.allocateFrom("ggml_backend_get_features"));
            if (getFeatures.equals(MemorySegment.NULL)) throw new NativeException("the CPU backend lists no features");
            MemorySegment list = ((MemorySegment) NativeLibrary.pointer(getFeatures, FunctionDescriptor.of(ADDRESS, ADDRESS))
                    .invokeExact(reg)).reinterpret(Long.MAX_VALUE);
            List<String> features = new ArrayList<>();
            for (long entry = 0; ; entry += FEATURE_SIZE) {
                MemorySegment name = list.get(ADDRESS, entry + FEATURE_NAME);
                if (name.equals(MemorySegment.NULL)) break;
                String value = list.get(ADDRESS, entry + FEATURE_VALUE).reinterpret(Long.MAX_VALUE).getString(0);
                String label = name.reinterpret(Long.MAX_VALUE).getString(0);
                features.add(value.equals("1") ? label : label + "=" + value);
            }
            // The features function lives in the backend's own library, the variant ggml loaded.
            Path library = NativeLibrary.libraryHolding(getFeatures);
            return new CpuBackend(library.getFileName().toString(), features);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    static final class H {
        // Pointers declared as JAVA_LONG: the callback hands us addresses, and boxing them into segments would allocate.
        static final MethodHandle BUFFER_IS_HOST = NativeLibrary.function("ggml_backend_buffer_is_host", FunctionDescriptor.of(JAVA_BOOLEAN, JAVA_LONG));
        static final MethodHandle TENSOR_GET = NativeLibrary.function("ggml_backend_tensor_get", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle TYPE_NAME = NativeLibrary.function("ggml_type_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle DEV_COUNT = NativeLibrary.function("ggml_backend_dev_count", FunctionDescriptor.of(JAVA_LONG));
        static final MethodHandle DEV_GET = NativeLibrary.function("ggml_backend_dev_get", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        static final MethodHandle DEV_NAME = NativeLibrary.function("ggml_backend_dev_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle DEV_DESCRIPTION = NativeLibrary.function("ggml_backend_dev_description", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle REG_BY_NAME = NativeLibrary.function("ggml_backend_reg_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle REG_GET_PROC_ADDRESS = NativeLibrary.function("ggml_backend_reg_get_proc_address",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

        private H() {}
    }
}
