package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds llama.cpp's shared libraries and links functions from them. The only place above the JDK that
 * talks to {@link Linker}; the function classes ({@link Llama}, {@link Ggml}, and the CUDA classes in
 * {@code dev.strata.bindings.cuda} through {@link #link}) get their handles here.
 */
public final class NativeLibrary {
    static final Linker LINKER = Linker.nativeLinker();
    /** libggml-base first: once loaded, the dynamic linker satisfies the others' dependencies by soname. */
    private static final String[] LIBRARIES = {"libggml-base.so", "libggml.so", "libllama.so"};
    private static SymbolLookup lookup;
    private static Path directory;

    private NativeLibrary() {}

    /** Loads the libraries from {@code dir} once; later calls must name the same folder. */
    static synchronized void load(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (lookup != null) {
            if (!abs.equals(directory)) {
                throw new NativeException("llama.cpp is already loaded from " + directory + ", cannot load " + abs);
            }
            return;
        }
        SymbolLookup combined = null;
        for (String name : LIBRARIES) {
            Path file = abs.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new NativeException("llama.cpp library " + name + " not found in " + abs
                        + " (run `make build`, or set STRATA_NATIVE_DIR)");
            }
            SymbolLookup one;
            try {
                one = SymbolLookup.libraryLookup(file, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new NativeException("cannot load " + file + ": " + e.getMessage());
            }
            combined = combined == null ? one : combined.or(one);
        }
        lookup = combined;
        directory = abs;
    }

    static synchronized Path directory() {
        if (directory == null) throw new NativeException("llama.cpp is not loaded: call Llama.init first");
        return directory;
    }

    static synchronized MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (lookup == null) throw new NativeException("llama.cpp is not loaded: call Llama.init first");
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new NativeException("symbol " + name + " not found in the llama.cpp libraries in " + directory));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** Links a function llama.cpp hands out as a pointer (ggml_backend_reg_get_proc_address). */
    static MethodHandle pointer(MemorySegment function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(function, descriptor);
    }

    /** The file of the loaded library that holds {@code address}, as the dynamic linker opened it (dladdr). */
    static Path libraryHolding(MemorySegment address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Layouts.DL_INFO);
            int found = (int) Dl.ADDR.invokeExact(address, info);
            MemorySegment file = info.get(ADDRESS, Layouts.offset(Layouts.DL_INFO, "dli_fname"));
            if (found == 0 || file.equals(MemorySegment.NULL)) {
                throw new NativeException("the dynamic linker knows no library at " + address);
            }
            return Path.of(file.reinterpret(Long.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Links {@code name} from {@code lookup} (a library other than llama.cpp, e.g. CUDA's);
     * {@code library} names it in the error when the symbol is missing.
     */
    public static MethodHandle link(SymbolLookup lookup, String library, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name)
                .orElseThrow(() -> new NativeException("symbol " + name + " not found in " + library));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** The C library's dynamic-linker functions, from the JDK's default lookup. */
    private static final class Dl {
        static final MethodHandle ADDR = LINKER.downcallHandle(LINKER.defaultLookup().find("dladdr")
                .orElseThrow(() -> new NativeException("the C library has no dladdr")), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

        private Dl() {}
    }

    /** Rethrows what a method handle threw, unchanged when unchecked. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new NativeException("native call failed: " + t);
    }
}
