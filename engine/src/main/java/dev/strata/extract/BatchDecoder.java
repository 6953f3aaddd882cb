package dev.strata.extract;

import dev.strata.bindings.Batch;
import dev.strata.bindings.ContextParams;
import dev.strata.bindings.EvalHook;
import dev.strata.bindings.Llama;
import dev.strata.bindings.NativeException;
import dev.strata.store.Pooling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * Decodes batches of whole prompts, each prompt its own sequence, and leaves their per-layer rows in a
 * {@link LayerCapture}. One batch is one physical batch (n_ubatch = n_batch) in one unified KV cache, so
 * the graph's rows are the batch's tokens in order; the cache is cleared before every batch, so a
 * prompt sees only itself whatever it is decoded with.
 */
public final class BatchDecoder implements AutoCloseable {
    private final LoadedModel model;
    private final LayerCapture capture;
    private final EvalHook hook;
    private final Batch batch;
    private final MemorySegment context;
    private final MemorySegment memory;
    private final int maxTokens;
    private final int maxSeqs;
    private final boolean allOutputs;
    private final int[] start;
    private boolean namesChecked;

    /** A decoder that pools the paper's two: the last token and the mean. */
    public BatchDecoder(LoadedModel model, int maxTokens, int maxSeqs, int threads) {
        this(model, maxTokens, maxSeqs, threads, Pooling.PAPER);
    }

    /**
     * @param maxTokens most tokens of all prompts of one batch together
     * @param maxSeqs most prompts in one batch
     * @param poolings the poolings wanted: with the last token alone, only each prompt's last token is a llama.cpp output
     */
    public BatchDecoder(LoadedModel model, int maxTokens, int maxSeqs, int threads, Set<Pooling> poolings) {
        this.model = model;
        this.maxTokens = maxTokens;
        this.maxSeqs = maxSeqs;
        this.allOutputs = poolings.stream().anyMatch(Pooling::needsAllTokens);
        this.start = new int[maxSeqs];
        this.capture = new LayerCapture(model.nLayer(), model.width(), maxSeqs, maxTokens, poolings);
        this.hook = new EvalHook(capture);
        this.batch = new Batch(maxTokens);
        try (Arena arena = Arena.ofConfined()) {
            ContextParams params = new ContextParams(arena)
                    .nCtx(maxTokens).nBatch(maxTokens).nUbatch(maxTokens).nSeqMax(maxSeqs)
                    .nThreads(threads).kvUnified(true).evalHook(hook);
            this.context = Llama.contextInit(model.handle(), params);
            this.memory = Llama.contextMemory(context);
        } catch (RuntimeException e) {
            batch.close();
            hook.close();
            capture.close();
            throw e;
        }
    }

    public LayerCapture capture() {
        return capture;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int maxSeqs() {
        return maxSeqs;
    }

    /**
     * Decodes {@code seqs} prompts whose tokens lie back to back in {@code tokens}, prompt s having
     * {@code lengths[s]} of them. Afterwards the capture holds each prompt's rows at index s.
     */
    public void decode(int seqs, int[] tokens, int[] lengths) {
        if (seqs < 1 || seqs > maxSeqs) throw new IllegalArgumentException("batch of " + seqs + " prompts; at most " + maxSeqs);
        batch.clear();
        int offset = 0;
        for (int s = 0; s < seqs; s++) {
            start[s] = offset;
            if (lengths[s] < 1) throw new IllegalArgumentException("prompt " + s + " of the batch has no tokens");
            if (offset + lengths[s] > maxTokens) throw new IllegalArgumentException("batch holds more than " + maxTokens + " tokens");
            for (int p = 0; p < lengths[s]; p++) {
                // For a mean every token is an output: the last block then keeps all rows.
                batch.add(tokens[offset + p], p, s, allOutputs || p == lengths[s] - 1);
            }
            offset += lengths[s];
        }
        Llama.memoryClear(memory, false);
        capture.beginBatch(seqs, start, lengths, offset);
        if (!namesChecked) capture.recordNames();
        int status = Llama.decode(context, batch);
        hook.rethrowFailure();
        if (status != 0) {
            throw new NativeException("llama_decode failed with status " + status + " on " + model.file().getFileName()
                    + " (batch of " + seqs + " prompts, " + offset + " tokens)");
        }
        if (!namesChecked) {
            capture.checkComplete(model.file().getFileName().toString());
            namesChecked = true;
        }
    }

    @Override
    public void close() {
        Llama.contextFree(context);
        batch.close();
        hook.close();
        capture.close();
    }
}
