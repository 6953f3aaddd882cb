package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;

/**
 * ggml_abort, the end of every failed {@code GGML_ASSERT}: a process that runs llama.cpp can hear the assert's
 * message just before the abort that follows it, and tests can raise one on purpose.
 */
public final class NativeAbort {
    private static volatile Consumer<String> listener = message -> {};

    private NativeAbort() {}

    /**
     * Hands every abort message ("file:line: GGML_ASSERT(...) failed") to {@code onAbort} before llama.cpp aborts the
     * process; it may run on a thread llama.cpp started. Replaces ggml's own print and its debugger backtrace.
     */
    public static synchronized void onAbort(Consumer<String> onAbort) {
        listener = onAbort;
        try {
            // invokeExact needs the call's exact type, the returned previous callback included.
            MemorySegment replaced = (MemorySegment) H.SET_ABORT_CALLBACK.invokeExact(H.STUB);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Calls ggml_abort as a failed assert in llama.cpp would: the process ends with SIGABRT. */
    public static void abort(String message) {
        try (Arena arena = Arena.ofConfined()) {
            H.ABORT.invokeExact(arena.allocateFrom("strata"), 0, arena.allocateFrom("%s"), arena.allocateFrom(message));
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static void onNativeAbort(MemorySegment message) {
        try {
            listener.accept(message.reinterpret(Long.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            // An exception leaving an upcall crashes the JVM some other way; the abort that follows must stay SIGABRT.
        }
    }

    static final class H {
        static final MethodHandle SET_ABORT_CALLBACK = NativeLibrary.function("ggml_set_abort_callback",
                FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle ABORT = NativeLibrary.function("ggml_abort",
                FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS, ADDRESS), Linker.Option.firstVariadicArg(3));
        static final MemorySegment STUB;

        static {
            try {
                var target = MethodHandles.lookup().findStatic(NativeAbort.class, "onNativeAbort",
                        MethodType.methodType(void.class, MemorySegment.class));
                STUB = NativeLibrary.LINKER.upcallStub(target, FunctionDescriptor.ofVoid(ADDRESS), Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private H() {}
    }
}
