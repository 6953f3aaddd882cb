package dev.strata.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.bindings.NativeException;
import dev.strata.bindings.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * nvrtc.h (libnvrtc): compiles CUDA C source to CUBIN (for a real architecture, {@code sm_XY}) or
 * PTX (for a virtual one, {@code compute_XY}) at run time. A failed compilation throws with NVRTC's
 * log; every other non-zero {@code nvrtcResult} throws naming the call and nvrtcGetErrorString.
 */
public final class Nvrtc {
    /** NVRTC_ERROR_COMPILATION. */
    public static final int ERROR_COMPILATION = 6;

    /** What a compilation produced. */
    public record Output(byte[] image, boolean cubin, String log) {}

    private final String library;
    private final MethodHandle version, getErrorString, createProgram, compileProgram, getProgramLogSize, getProgramLog,
            getCubinSize, getCubin, getPtxSize, getPtx, destroyProgram, getNumSupportedArchs, getSupportedArchs;

    Nvrtc(SymbolLookup lookup, String library) {
        this.library = library;
        version = fn(lookup, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getErrorString = fn(lookup, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        createProgram = fn(lookup, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compileProgram = fn(lookup, "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
        getProgramLogSize = fn(lookup, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        getProgramLog = fn(lookup, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        getCubinSize = fn(lookup, "nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        getCubin = fn(lookup, "nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        getPtxSize = fn(lookup, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        getPtx = fn(lookup, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        destroyProgram = fn(lookup, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getNumSupportedArchs = fn(lookup, "nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getSupportedArchs = fn(lookup, "nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private MethodHandle fn(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return NativeLibrary.link(lookup, library, name, descriptor);
    }

    /** nvrtcVersion: {major, minor}. */
    public int[] version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            check((int) version.invokeExact(major, minor), "nvrtcVersion");
            return new int[] {major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** nvrtcGetSupportedArchs: the real architectures this NVRTC can compile for, e.g. [50, ..., 90, 100]. */
    public int[] supportedArchs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            check((int) getNumSupportedArchs.invokeExact(count), "nvrtcGetNumSupportedArchs");
            int n = count.get(JAVA_INT, 0);
            MemorySegment archs = arena.allocate(JAVA_INT, Math.max(1, n));
            check((int) getSupportedArchs.invokeExact(archs), "nvrtcGetSupportedArchs");
            return archs.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * nvrtcCreateProgram + nvrtcCompileProgram + nvrtcGetCUBIN (when an option names {@code sm_XY})
     * or nvrtcGetPTX (NUL-terminated) + nvrtcDestroyProgram. Throws with the log when compilation fails.
     */
    public Output compile(String source, String name, List<String> options) {
        boolean cubin = options.stream().anyMatch(o -> o.contains("sm_"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(JAVA_LONG);
            check((int) createProgram.invokeExact(programOut, arena.allocateFrom(source), arena.allocateFrom(name), 0,
                    MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram(" + name + ")");
            long program = programOut.get(JAVA_LONG, 0);
            try {
                MemorySegment opts = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                int status = (int) compileProgram.invokeExact(program, options.size(), opts);
                String log = log(arena, program);
                if (status != 0) {
                    throw new NativeException("nvrtcCompileProgram(" + name + ", " + String.join(" ", options) + ") failed: "
                            + describe(status) + (log.isBlank() ? "" : "\n" + log.strip()));
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                check((int) (cubin ? getCubinSize : getPtxSize).invokeExact(program, size), cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize");
                long bytes = size.get(JAVA_LONG, 0);
                MemorySegment image = arena.allocate(Math.max(1, bytes));
                check((int) (cubin ? getCubin : getPtx).invokeExact(program, image), cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
                // PTX size counts the terminating NUL; keep the text only (cuModuleLoadData gets a NUL added back).
                long keep = cubin ? bytes : Math.max(0, bytes - 1);
                return new Output(image.asSlice(0, keep).toArray(JAVA_BYTE), cubin, log);
            } finally {
                check((int) destroyProgram.invokeExact(programOut), "nvrtcDestroyProgram");
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private String log(Arena arena, long program) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        check((int) getProgramLogSize.invokeExact(program, size), "nvrtcGetProgramLogSize");
        long bytes = size.get(JAVA_LONG, 0);
        if (bytes <= 1) return "";
        MemorySegment text = arena.allocate(bytes);
        check((int) getProgramLog.invokeExact(program, text), "nvrtcGetProgramLog");
        return new String(text.asSlice(0, bytes - 1).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** nvrtcGetErrorString, with the code: "NVRTC_ERROR_COMPILATION (6)". */
    public String describe(int status) {
        try {
            return CudaRuntime.string((MemorySegment) getErrorString.invokeExact(status)) + " (" + status + ")";
        } catch (Throwable t) {
            return "nvrtcResult " + status;
        }
    }

    /** Throws a NativeException naming {@code call} unless {@code status} is NVRTC_SUCCESS. */
    public void check(int status, String call) {
        if (status != 0) throw new NativeException(call + " failed: " + describe(status));
    }
}
