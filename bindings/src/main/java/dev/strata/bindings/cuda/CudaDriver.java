package dev.strata.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.bindings.NativeException;
import dev.strata.bindings.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * cuda.h (libcuda, the driver API), the parts needed to run NVRTC-compiled kernels in the device's
 * primary context (the one the runtime uses, so runtime streams and pointers work with it). Symbols
 * whose cuda.h macro maps to a versioned name are linked by that name (cuDevicePrimaryCtxRelease_v2).
 * Contexts, modules and functions are opaque {@link MemorySegment}s (zero length). Every non-zero
 * {@code CUresult} becomes a {@link NativeException} naming the call and the error.
 */
public final class CudaDriver {
    private final String library;
    private final MethodHandle init, deviceGet, deviceGetName, primaryCtxRetain, primaryCtxRelease, ctxSetCurrent,
            moduleLoadData, moduleGetFunction, launchKernel, getErrorName, getErrorString;

    CudaDriver(SymbolLookup lookup, String library) {
        this.library = library;
        init = fn(lookup, "cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        deviceGet = fn(lookup, "cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        deviceGetName = fn(lookup, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        primaryCtxRetain = fn(lookup, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        primaryCtxRelease = fn(lookup, "cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        ctxSetCurrent = fn(lookup, "cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        moduleLoadData = fn(lookup, "cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        moduleGetFunction = fn(lookup, "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        launchKernel = fn(lookup, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        getErrorName = fn(lookup, "cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        getErrorString = fn(lookup, "cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    private MethodHandle fn(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return NativeLibrary.link(lookup, library, name, descriptor);
    }

    /** cuInit(0): initialises the driver API (idempotent). */
    public void init() {
        try {
            check((int) init.invokeExact(0), "cuInit");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuDeviceGet: the CUdevice handle of ordinal {@code ordinal}. */
    public int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) deviceGet.invokeExact(out, ordinal), "cuDeviceGet(" + ordinal + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuDeviceGetName: e.g. "NVIDIA H100 80GB HBM3". */
    public String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check((int) deviceGetName.invokeExact(out, 256, device), "cuDeviceGetName");
            return out.getString(0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuDevicePrimaryCtxRetain: the device's primary context (the runtime's), retained once more. */
    public MemorySegment primaryContextRetain(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) primaryCtxRetain.invokeExact(out, device), "cuDevicePrimaryCtxRetain");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuDevicePrimaryCtxRelease_v2: drops one retain of the primary context. */
    public void primaryContextRelease(int device) {
        try {
            check((int) primaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuCtxSetCurrent: binds {@code context} to the calling thread. */
    public void contextSetCurrent(MemorySegment context) {
        try {
            check((int) ctxSetCurrent.invokeExact(context), "cuCtxSetCurrent");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuModuleLoadData: loads a CUBIN or NUL-terminated PTX image into the current context. */
    public MemorySegment moduleLoadData(byte[] image) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, data, JAVA_BYTE, 0, image.length);
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) moduleLoadData.invokeExact(out, data), "cuModuleLoadData(" + image.length + " bytes)");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cuModuleGetFunction: the kernel {@code name} (an extern "C" name) of {@code module}. */
    public MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) moduleGetFunction.invokeExact(out, module, arena.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * cuLaunchKernel: queues {@code function} on {@code stream} with a grid of {@code grid} blocks of
     * {@code block} threads (x dimensions only) and {@code args} (MemorySegment for pointers, Long for
     * 64-bit integers, Integer, Float), passed as the kernelParams array of pointers to each value.
     */
    public void launch(MemorySegment function, String name, int gridX, int gridY, int blockX, int sharedBytes,
            MemorySegment stream, Object... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment value = switch (args[i]) {
                    case MemorySegment pointer -> arena.allocateFrom(ADDRESS, pointer);
                    case Long l -> arena.allocateFrom(JAVA_LONG, l);
                    case Integer v -> arena.allocateFrom(JAVA_INT, v);
                    case Float f -> arena.allocateFrom(JAVA_FLOAT, f);
                    default -> throw new IllegalArgumentException("kernel argument of type " + args[i].getClass());
                };
                params.setAtIndex(ADDRESS, i, value);
            }
            check((int) launchKernel.invokeExact(function, gridX, gridY, 1, blockX, 1, 1, sharedBytes, stream, params,
                    MemorySegment.NULL), "cuLaunchKernel(" + name + ", grid " + gridX + "x" + gridY + ", block " + blockX + ")");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory": cuGetErrorName and cuGetErrorString of {@code status}. */
    public String describe(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(ADDRESS);
            MemorySegment text = arena.allocate(ADDRESS);
            int a = (int) getErrorName.invokeExact(status, name);
            int b = (int) getErrorString.invokeExact(status, text);
            return (a == 0 ? CudaRuntime.string(name.get(ADDRESS, 0)) : "CUresult") + " (" + status + ")"
                    + (b == 0 ? ": " + CudaRuntime.string(text.get(ADDRESS, 0)) : "");
        } catch (Throwable t) {
            return "CUresult " + status;
        }
    }

    /** Throws a NativeException naming {@code call} unless {@code status} is CUDA_SUCCESS. */
    public void check(int status, String call) {
        if (status != 0) throw new NativeException(call + " failed: " + describe(status));
    }
}
