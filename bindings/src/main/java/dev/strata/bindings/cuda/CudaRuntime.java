package dev.strata.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
 * cuda_runtime_api.h (libcudart), the parts strata uses: one method per function, documented in one
 * line. Device pointers, streams and events are raw addresses ({@code long}); every non-zero
 * {@code cudaError_t} becomes a {@link NativeException} naming the call, the error's name and its
 * description (cudaGetErrorName, cudaGetErrorString).
 *
 * <p>Not yet run on a GPU. Values taken from memory rather than checked against the CUDA headers, to
 * verify first: cudaDevAttrMemoryClockRate 36, GlobalMemoryBusWidth 37, L2CacheSize 38;
 * cudaErrorInsufficientDriver 35; the cudaMemcpyKind values; cudaStreamNonBlocking 1;
 * cudaEventDisableTiming 2. Elsewhere: the export cuDevicePrimaryCtxRelease_v2 (CudaDriver), the
 * existence of cublasGetStatusName (Cublas, with a fallback table), the argument orders of
 * cublasGemmEx, cuLaunchKernel and nvrtcCreateProgram, and the NVRTC options CudaKnnBackend passes.
 */
public final class CudaRuntime {
    /** cudaMemcpyKind. */
    public static final int MEMCPY_HOST_TO_DEVICE = 1, MEMCPY_DEVICE_TO_HOST = 2, MEMCPY_DEVICE_TO_DEVICE = 3;
    /** cudaStreamNonBlocking: the stream does not synchronise with the legacy default stream. */
    public static final int STREAM_NON_BLOCKING = 0x01;
    /** cudaEventDefault and cudaEventDisableTiming. */
    public static final int EVENT_DEFAULT = 0x00, EVENT_DISABLE_TIMING = 0x02;
    /** cudaDeviceAttr values (driver_types.h). */
    public static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 8, ATTR_CLOCK_RATE = 13, ATTR_MULTIPROCESSOR_COUNT = 16,
            ATTR_MEMORY_CLOCK_RATE = 36, ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37, ATTR_L2_CACHE_SIZE = 38,
            ATTR_COMPUTE_CAPABILITY_MAJOR = 75, ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    /** cudaErrorNoDevice and cudaErrorInsufficientDriver: "no GPU here" rather than a failure. */
    public static final int ERROR_NO_DEVICE = 100, ERROR_INSUFFICIENT_DRIVER = 35;

    private final String library;
    private final MethodHandle getDeviceCount, setDevice, getErrorString, getErrorName, memGetInfo, malloc, free,
            mallocHost, freeHost, memcpyAsync, memsetAsync, streamCreateWithFlags, streamDestroy, streamSynchronize,
            streamWaitEvent, eventCreateWithFlags, eventRecord, eventSynchronize, eventElapsedTime, eventDestroy,
            deviceGetAttribute, deviceSynchronize, runtimeGetVersion, driverGetVersion;

    CudaRuntime(SymbolLookup lookup, String library) {
        this.library = library;
        getDeviceCount = fn(lookup, "cudaGetDeviceCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setDevice = fn(lookup, "cudaSetDevice", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        getErrorString = fn(lookup, "cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getErrorName = fn(lookup, "cudaGetErrorName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        memGetInfo = fn(lookup, "cudaMemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        malloc = fn(lookup, "cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        free = fn(lookup, "cudaFree", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        mallocHost = fn(lookup, "cudaMallocHost", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        freeHost = fn(lookup, "cudaFreeHost", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        memcpyAsync = fn(lookup, "cudaMemcpyAsync",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
        memsetAsync = fn(lookup, "cudaMemsetAsync", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        streamCreateWithFlags = fn(lookup, "cudaStreamCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        streamDestroy = fn(lookup, "cudaStreamDestroy", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        streamSynchronize = fn(lookup, "cudaStreamSynchronize", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        streamWaitEvent = fn(lookup, "cudaStreamWaitEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        eventCreateWithFlags = fn(lookup, "cudaEventCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        eventRecord = fn(lookup, "cudaEventRecord", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        eventSynchronize = fn(lookup, "cudaEventSynchronize", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        eventElapsedTime = fn(lookup, "cudaEventElapsedTime", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        eventDestroy = fn(lookup, "cudaEventDestroy", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        deviceGetAttribute = fn(lookup, "cudaDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceSynchronize = fn(lookup, "cudaDeviceSynchronize", FunctionDescriptor.of(JAVA_INT));
        runtimeGetVersion = fn(lookup, "cudaRuntimeGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        driverGetVersion = fn(lookup, "cudaDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private MethodHandle fn(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return NativeLibrary.link(lookup, library, name, descriptor);
    }

    /** cudaGetDeviceCount: number of CUDA devices; throws (cudaErrorNoDevice, cudaErrorInsufficientDriver, ...) when none usable. */
    public int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) getDeviceCount.invokeExact(out), "cudaGetDeviceCount");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaGetDeviceCount's raw status, for probing without an exception. */
    public int deviceCountStatus() {
        try (Arena arena = Arena.ofConfined()) {
            return (int) getDeviceCount.invokeExact(arena.allocate(JAVA_INT));
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaSetDevice: makes {@code device} (and its primary context) current on the calling thread. */
    public void setDevice(int device) {
        call(() -> (int) setDevice.invokeExact(device), "cudaSetDevice(" + device + ")");
    }

    /** cudaDeviceGetAttribute: one integer property of {@code device} (see the ATTR_ constants). */
    public int deviceAttribute(int attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) deviceGetAttribute.invokeExact(out, attribute, device),
                    "cudaDeviceGetAttribute(" + attribute + ", device " + device + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaMemGetInfo: {free, total} bytes of the current device. */
    public long[] memGetInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check((int) memGetInfo.invokeExact(free, total), "cudaMemGetInfo");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaMalloc: {@code bytes} of device memory. */
    public long malloc(long bytes) {
        return allocate(malloc, bytes, "cudaMalloc");
    }

    /** cudaFree (0 is ignored). */
    public void free(long devicePointer) {
        if (devicePointer != 0) call(() -> (int) free.invokeExact(devicePointer), "cudaFree");
    }

    /** cudaMallocHost: {@code bytes} of page-locked host memory, as an address. */
    public long mallocHost(long bytes) {
        return allocate(mallocHost, bytes, "cudaMallocHost");
    }

    /** cudaFreeHost (0 is ignored). */
    public void freeHost(long hostPointer) {
        if (hostPointer != 0) call(() -> (int) freeHost.invokeExact(hostPointer), "cudaFreeHost");
    }

    /** cudaMemcpyAsync: copies {@code bytes} from {@code src} to {@code dst} in stream order ({@code kind}: MEMCPY_*). */
    public void memcpyAsync(long dst, long src, long bytes, int kind, long stream) {
        call(() -> (int) memcpyAsync.invokeExact(dst, src, bytes, kind, stream), "cudaMemcpyAsync(" + bytes + " bytes, kind " + kind + ")");
    }

    /** cudaMemsetAsync: sets {@code bytes} bytes at {@code dst} to {@code value} in stream order. */
    public void memsetAsync(long dst, int value, long bytes, long stream) {
        call(() -> (int) memsetAsync.invokeExact(dst, value, bytes, stream), "cudaMemsetAsync");
    }

    /** cudaStreamCreateWithFlags: a new stream (flags: STREAM_NON_BLOCKING or 0). */
    public long streamCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) streamCreateWithFlags.invokeExact(out, flags), "cudaStreamCreateWithFlags");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaStreamDestroy (0 is ignored). */
    public void streamDestroy(long stream) {
        if (stream != 0) call(() -> (int) streamDestroy.invokeExact(stream), "cudaStreamDestroy");
    }

    /** cudaStreamSynchronize: waits until all work queued on {@code stream} has finished. */
    public void streamSynchronize(long stream) {
        call(() -> (int) streamSynchronize.invokeExact(stream), "cudaStreamSynchronize");
    }

    /** cudaStreamWaitEvent: later work on {@code stream} waits for {@code event}'s last record. */
    public void streamWaitEvent(long stream, long event) {
        call(() -> (int) streamWaitEvent.invokeExact(stream, event, 0), "cudaStreamWaitEvent");
    }

    /** cudaEventCreateWithFlags: a new event (EVENT_DEFAULT to time with it, EVENT_DISABLE_TIMING otherwise). */
    public long eventCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) eventCreateWithFlags.invokeExact(out, flags), "cudaEventCreateWithFlags");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaEventRecord: records {@code event} at the current end of {@code stream}. */
    public void eventRecord(long event, long stream) {
        call(() -> (int) eventRecord.invokeExact(event, stream), "cudaEventRecord");
    }

    /** cudaEventSynchronize: waits for the work before {@code event}'s last record. */
    public void eventSynchronize(long event) {
        call(() -> (int) eventSynchronize.invokeExact(event), "cudaEventSynchronize");
    }

    /** cudaEventElapsedTime: milliseconds between two recorded (timing) events. */
    public float eventElapsedMillis(long start, long end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check((int) eventElapsedTime.invokeExact(out, start, end), "cudaEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaEventDestroy (0 is ignored). */
    public void eventDestroy(long event) {
        if (event != 0) call(() -> (int) eventDestroy.invokeExact(event), "cudaEventDestroy");
    }

    /** cudaDeviceSynchronize: waits for all work on the current device. */
    public void deviceSynchronize() {
        call(() -> (int) deviceSynchronize.invokeExact(), "cudaDeviceSynchronize");
    }

    /** cudaRuntimeGetVersion: e.g. 12040 for 12.4. */
    public int runtimeVersion() {
        return intOut(runtimeGetVersion, "cudaRuntimeGetVersion");
    }

    /** cudaDriverGetVersion: the newest CUDA version the installed driver supports (0 without a driver). */
    public int driverVersion() {
        return intOut(driverGetVersion, "cudaDriverGetVersion");
    }

    /** "cudaErrorMemoryAllocation (2): out of memory": cudaGetErrorName and cudaGetErrorString of {@code status}. */
    public String describe(int status) {
        try {
            String name = string((MemorySegment) getErrorName.invokeExact(status));
            String text = string((MemorySegment) getErrorString.invokeExact(status));
            return name + " (" + status + "): " + text;
        } catch (Throwable t) {
            return "cudaError " + status;
        }
    }

    /** Throws a NativeException naming {@code call} unless {@code status} is cudaSuccess. */
    public void check(int status, String call) {
        if (status != 0) throw new NativeException(call + " failed: " + describe(status));
    }

    private long allocate(MethodHandle h, long bytes, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) h.invokeExact(out, bytes), name + "(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private int intOut(MethodHandle h, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) h.invokeExact(out), name);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private void call(StatusCall c, String name) {
        int status;
        try {
            status = c.call();
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(status, name);
    }

    static String string(MemorySegment s) {
        return s.equals(MemorySegment.NULL) ? "?" : s.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** A native call returning a status code. */
    @FunctionalInterface
    interface StatusCall {
        int call() throws Throwable;
    }
}
