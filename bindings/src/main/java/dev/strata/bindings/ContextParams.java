package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/** llama_context_params, starting from llama_context_default_params, with the fields strata sets. */
public final class ContextParams {
    private static final long N_CTX = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_ctx");
    private static final long N_BATCH = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_batch");
    private static final long N_UBATCH = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_ubatch");
    private static final long N_SEQ_MAX = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_seq_max");
    private static final long N_THREADS = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_threads");
    private static final long N_THREADS_BATCH = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "n_threads_batch");
    private static final long CB_EVAL = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "cb_eval");
    private static final long CB_EVAL_USER_DATA = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "cb_eval_user_data");
    private static final long KV_UNIFIED = Layouts.offset(Layouts.LLAMA_CONTEXT_PARAMS, "kv_unified");

    private final MemorySegment segment;

    public ContextParams(Arena arena) {
        try {
            segment = (MemorySegment) Llama.H.CONTEXT_DEFAULT_PARAMS.invokeExact((SegmentAllocator) arena);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Context size in tokens, shared by all sequences (0 = the model's). */
    public ContextParams nCtx(int n) {
        segment.set(JAVA_INT, N_CTX, n);
        return this;
    }

    /** Most tokens one llama_decode call may take. */
    public ContextParams nBatch(int n) {
        segment.set(JAVA_INT, N_BATCH, n);
        return this;
    }

    /** Most tokens computed in one graph (physical batch). */
    public ContextParams nUbatch(int n) {
        segment.set(JAVA_INT, N_UBATCH, n);
        return this;
    }

    /** Most distinct sequences in one batch. */
    public ContextParams nSeqMax(int n) {
        segment.set(JAVA_INT, N_SEQ_MAX, n);
        return this;
    }

    /** Threads for both single-token and batch decoding. */
    public ContextParams nThreads(int n) {
        segment.set(JAVA_INT, N_THREADS, n);
        segment.set(JAVA_INT, N_THREADS_BATCH, n);
        return this;
    }

    /** One KV buffer for all sequences (simpler, and fast when sequences are cleared together). */
    public ContextParams kvUnified(boolean on) {
        segment.set(JAVA_BOOLEAN, KV_UNIFIED, on);
        return this;
    }

    /** The graph callback: see {@link EvalHook}. */
    public ContextParams evalHook(EvalHook hook) {
        segment.set(ADDRESS, CB_EVAL, hook.stub());
        segment.set(ADDRESS, CB_EVAL_USER_DATA, MemorySegment.NULL);
        return this;
    }

    MemorySegment segment() {
        return segment;
    }
}
