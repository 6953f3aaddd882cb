package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The graph evaluation callback (cb_eval) as a Java object. llama.cpp calls it twice per graph node
 * on the decoding thread: with {@code ask} true to learn whether the node is wanted, then, for wanted
 * nodes, with {@code ask} false once the node's data is computed.
 *
 * <p>The upcall receives the tensor as a {@code long} address and returns a primitive, so a call
 * allocates nothing. A Java exception must never unwind into native code (the JVM would exit): it is
 * kept, the graph is aborted, and {@link #rethrowFailure} raises it after llama_decode returns.
 */
public final class EvalHook implements AutoCloseable {
    /** What the application does with graph nodes. */
    @FunctionalInterface
    public interface Listener {
        /** With {@code ask}: whether to observe this node. Without: the node is computed; return false to abort. */
        boolean onTensor(long tensor, boolean ask);
    }

    private final Listener listener;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stub;
    private Throwable failure;

    public EvalHook(Listener listener) {
        this.listener = listener;
        try {
            var target = MethodHandles.lookup().findVirtual(EvalHook.class, "call",
                    MethodType.methodType(boolean.class, long.class, boolean.class, long.class)).bindTo(this);
            stub = NativeLibrary.LINKER.upcallStub(target,
                    FunctionDescriptor.of(JAVA_BOOLEAN, JAVA_LONG, JAVA_BOOLEAN, JAVA_LONG), arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean call(long tensor, boolean ask, long userData) {
        if (failure != null) return false;
        try {
            return listener.onTensor(tensor, ask);
        } catch (Throwable t) {
            failure = t;
            return false;
        }
    }

    /** Throws (once) what the listener threw during the last decode, if anything. */
    public void rethrowFailure() {
        Throwable t = failure;
        failure = null;
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException("graph callback failed", t);
    }

    MemorySegment stub() {
        return stub;
    }

    @Override
    public void close() {
        arena.close();
    }
}
