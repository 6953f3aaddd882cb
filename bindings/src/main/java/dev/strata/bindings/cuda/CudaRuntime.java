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
 * line. Pointers, streams and events are {@link MemorySegment}s: pinned host memory is sized and
 * readable; device memory is sized so that {@code asSlice} checks offsets, but it lives on the GPU and
 * must never be read or written from Java; streams and events are opaque (zero length). Every non-zero
 * {@code cudaError_t} becomes a {@link NativeException} naming the call, the error's name and its
 * description (cudaGetErrorName, cudaGetErrorString).
 *
 * <p>Not yet run on a GPU. Values taken from memory rather than checked against the CUDA headers, to
 * verify first: cudaDevAttrMemoryClockRate 36, GlobalMemoryBusWidth 37;
 * cudaErrorInsufficientDriver 35; the cudaMemcpyKind values; cudaStreamNonBlocking 1;
 * cudaEventDisableTiming 2. Elsewhere: the export cuDevicePrimaryCtxRelease_v2 (CudaDriver), the
 * existence of cublasGetStatusName (Cublas, with a fallback table), the argument orders of
 * cublasGemmEx, cuLaunchKernel and nvrtcCreateProgram, and the NVRTC options CudaKnnBackend passes.
 */
public final class CudaRuntime {
    /** cudaMemcpyKind. */
    public static final int MEMCPY_HOST_TO_DEVICE = 1, MEMCPY_DEVICE_TO_HOST = 2;
    /** cudaStreamNonBlocking: the stream does not synchronise with the legacy default stream. */
    public static final int STREAM_NON_BLOCKING = 0x01;
    /** cudaEventDefault and cudaEventDisableTiming. */
    public static final int EVENT_DEFAULT = 0x00, EVENT_DISABLE_TIMING = 0x02;
    /** cudaDeviceAttr values (driver_types.h). */
    public static final int ATTR_MEMORY_CLOCK_RATE = 36, ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37,
            ATTR_COMPUTE_CAPABILITY_MAJOR = 75, ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    /** cudaErrorNoDevice and cudaErrorInsufficientDriver: "no GPU here" rather than a failure. */
    public static final int ERROR_NO_DEVICE = 100, ERROR_INSUFFICIENT_DRIVER = 35;

    private final String library;
    private final MethodHandle getDeviceCount, setDevice, getErrorString, getErrorName, memGetInfo, malloc, free,
            mallocHost, freeHost, memcpyAsync, memsetAsync, streamCreateWithFlags, streamDestroy, streamSynchronize,
            streamWaitEvent, eventCreateWithFlags, eventRecord, eventSynchronize, eventElapsedTime, eventDestroy,
            deviceGetAttribute, deviceSynchronize;

    CudaRuntime(SymbolLookup lookup, String library) {
        this.library = library;
        getDeviceCount = fn(lookup, "cudaGetDeviceCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setDevice = fn(lookup, "cudaSetDevice", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        getErrorString = fn(lookup, "cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getErrorName = fn(lookup, "cudaGetErrorName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        memGetInfo = fn(lookup, "cudaMemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        malloc = fn(lookup, "cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        free = fn(lookup, "cudaFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        mallocHost = fn(lookup, "cudaMallocHost", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        freeHost = fn(lookup, "cudaFreeHost", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        memcpyAsync = fn(lookup, "cudaMemcpyAsync", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        memsetAsync = fn(lookup, "cudaMemsetAsync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        streamCreateWithFlags = fn(lookup, "cudaStreamCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        streamDestroy = fn(lookup, "cudaStreamDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        streamSynchronize = fn(lookup, "cudaStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        streamWaitEvent = fn(lookup, "cudaStreamWaitEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        eventCreateWithFlags = fn(lookup, "cudaEventCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        eventRecord = fn(lookup, "cudaEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        eventSynchronize = fn(lookup, "cudaEventSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        eventElapsedTime = fn(lookup, "cudaEventElapsedTime", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        eventDestroy = fn(lookup, "cudaEventDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceGetAttribute = fn(lookup, "cudaDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceSynchronize = fn(lookup, "cudaDeviceSynchronize", FunctionDescriptor.of(JAVA_INT));
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

    /** cudaMalloc: {@code bytes} of device memory (never to be read or written from Java). */
    public MemorySegment malloc(long bytes) {
        return allocate(malloc, bytes, "cudaMalloc");
    }

    /** cudaFree (NULL is ignored). */
    public void free(MemorySegment devicePointer) {
        if (!isNull(devicePointer)) call(() -> (int) free.invokeExact(devicePointer), "cudaFree");
    }

    /** cudaMallocHost: {@code bytes} of page-locked host memory, readable and writable from Java. */
    public MemorySegment mallocHost(long bytes) {
        return allocate(mallocHost, bytes, "cudaMallocHost");
    }

    /** cudaFreeHost (NULL is ignored). */
    public void freeHost(MemorySegment hostPointer) {
        if (!isNull(hostPointer)) call(() -> (int) freeHost.invokeExact(hostPointer), "cudaFreeHost");
    }

    /** cudaMemcpyAsync: copies {@code bytes} from {@code src} to {@code dst} in stream order ({@code kind}: MEMCPY_*). */
    public void memcpyAsync(MemorySegment dst, MemorySegment src, long bytes, int kind, MemorySegment stream) {
        checkSize(dst, bytes, "cudaMemcpyAsync destination");
        checkSize(src, bytes, "cudaMemcpyAsync source");
        call(() -> (int) memcpyAsync.invokeExact(dst, src, bytes, kind, stream), "cudaMemcpyAsync(" + bytes + " bytes, kind " + kind + ")");
    }

    /** cudaMemsetAsync: sets {@code bytes} bytes at {@code dst} to {@code value} in stream order. */
    public void memsetAsync(MemorySegment dst, int value, long bytes, MemorySegment stream) {
        checkSize(dst, bytes, "cudaMemsetAsync destination");
        call(() -> (int) memsetAsync.invokeExact(dst, value, bytes, stream), "cudaMemsetAsync");
    }

    /** cudaStreamCreateWithFlags: a new stream (flags: STREAM_NON_BLOCKING or 0). */
    public MemorySegment streamCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) streamCreateWithFlags.invokeExact(out, flags), "cudaStreamCreateWithFlags");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaStreamDestroy (NULL is ignored). */
    public void streamDestroy(MemorySegment stream) {
        if (!isNull(stream)) call(() -> (int) streamDestroy.invokeExact(stream), "cudaStreamDestroy");
    }

    /** cudaStreamSynchronize: waits until all work queued on {@code stream} has finished. */
    public void streamSynchronize(MemorySegment stream) {
        call(() -> (int) streamSynchronize.invokeExact(stream), "cudaStreamSynchronize");
    }

    /** cudaStreamWaitEvent: later work on {@code stream} waits for {@code event}'s last record. */
    public void streamWaitEvent(MemorySegment stream, MemorySegment event) {
        call(() -> (int) streamWaitEvent.invokeExact(stream, event, 0), "cudaStreamWaitEvent");
    }

    /** cudaEventCreateWithFlags: a new event (EVENT_DEFAULT to time with it, EVENT_DISABLE_TIMING otherwise). */
    public MemorySegment eventCreate(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) eventCreateWithFlags.invokeExact(out, flags), "cudaEventCreateWithFlags");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaEventRecord: records {@code event} at the current end of {@code stream}. */
    public void eventRecord(MemorySegment event, MemorySegment stream) {
        call(() -> (int) eventRecord.invokeExact(event, stream), "cudaEventRecord");
    }

    /** cudaEventSynchronize: waits for the work before {@code event}'s last record. */
    public void eventSynchronize(MemorySegment event) {
        call(() -> (int) eventSynchronize.invokeExact(event), "cudaEventSynchronize");
    }

    /** cudaEventElapsedTime: milliseconds between two recorded (timing) events. */
    public float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check((int) eventElapsedTime.invokeExact(out, start, end), "cudaEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** cudaEventDestroy (NULL is ignored). */
    public void eventDestroy(MemorySegment event) {
        if (!isNull(event)) call(() -> (int) eventDestroy.invokeExact(event), "cudaEventDestroy");
    }

    /** cudaDeviceSynchronize: waits for all work on the current device. */
    public void deviceSynchronize() {
        call(() -> (int) deviceSynchronize.invokeExact(), "cudaDeviceSynchronize");
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

    /** A pointer returned through {@code void**}, sized to {@code bytes} so that slices of it are bounds-checked. */
    private MemorySegment allocate(MethodHandle h, long bytes, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) h.invokeExact(out, bytes), name + "(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static boolean isNull(MemorySegment pointer) {
        return pointer.address() == 0;
    }

    private static void checkSize(MemorySegment pointer, long bytes, String what) {
        if (bytes < 0 || bytes > pointer.byteSize()) {
            throw new IndexOutOfBoundsException(what + " holds " + pointer.byteSize() + " bytes, " + bytes + " asked for");
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
