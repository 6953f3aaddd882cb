package dev.strata.extract;

import java.util.function.IntFunction;

/**
 * Packs whole prompts, in corpus order, into batches of at most {@code parallel} prompts and {@code batchTokens}
 * tokens, each cut to {@code maxTokens}. Greedy and deterministic: a run resumed at a batch boundary forms the
 * same batches as an uninterrupted one, which byte-identical resumption relies on. A prompt is cut at its end, except
 * for a fixed number of closing tokens that are kept (a chat template's start of the reply): then its middle is cut.
 */
public final class PromptPacker {
    private final IntFunction<int[]> tokenizer;
    private final int end;
    private final ExtractOptions options;
    private final int parallel;
    private final int keptEnd;
    private int next;
    private int[] pending;

    /** Result of one {@link #pack}: prompts [first, first + count) holding {@code tokens} tokens in all. */
    public record Packed(int first, int count, int tokens) {}

    /**
     * @param tokenizer prompt index to its token ids
     * @param start     first prompt to pack (after a resume: the prompts already done)
     */
    public PromptPacker(IntFunction<int[]> tokenizer, int prompts, int start, ExtractOptions options) {
        this(tokenizer, prompts, start, prompts, options, 0);
    }

    /** @param keptEnd tokens at the end of every prompt that a cut prompt keeps; fewer than max tokens */
    public PromptPacker(IntFunction<int[]> tokenizer, int prompts, int start, ExtractOptions options, int keptEnd) {
        this(tokenizer, prompts, start, prompts, options, keptEnd);
    }

    /**
     * Packs prompts [start, end) only, as they are packed in a run over all {@code prompts}; start and end must be
     * where batches of that run begin (or end = prompts) for the batches to be the same.
     */
    public PromptPacker(IntFunction<int[]> tokenizer, int prompts, int start, int end, ExtractOptions options,
            int keptEnd) {
        if (keptEnd < 0 || keptEnd >= options.maxTokens()) {
            throw new IllegalArgumentException("kept end tokens must be in [0, max tokens), got " + keptEnd);
        }
        this.tokenizer = tokenizer;
        this.end = end;
        this.options = options;
        this.parallel = Math.min(options.parallel(), prompts);
        this.keptEnd = keptEnd;
        this.next = start;
    }

    /** Most prompts in one batch: the option, or fewer when the corpus is smaller. */
    public int parallel() {
        return parallel;
    }

    public boolean hasNext() {
        return next < end;
    }

    /** The prompt the next batch begins with. */
    public int nextPrompt() {
        return next;
    }

    /** Continues at {@code prompt}, which must be where a batch begins: the batches in between were made elsewhere. */
    public void skipTo(int prompt) {
        next = prompt;
        pending = null;
    }

    /**
     * Fills the next batch: prompt s of it gets {@code lengths[s]} tokens at its offset in {@code tokens} and
     * {@code fullLengths[s]} is its length before cutting. Returns what was packed.
     */
    public Packed pack(int[] tokens, int[] lengths, int[] fullLengths) {
        int first = next;
        int count = 0;
        int used = 0;
        while (next < end && count < parallel) {
            if (pending == null) pending = tokenizer.apply(next);
            if (pending.length == 0) throw new IllegalArgumentException("prompt index " + next + " has no tokens");
            int length = Math.min(pending.length, options.maxTokens());
            if (used + length > options.batchTokens()) break;
            if (length < pending.length && keptEnd > 0) {
                int head = length - keptEnd;
                System.arraycopy(pending, 0, tokens, used, head);
                System.arraycopy(pending, pending.length - keptEnd, tokens, used + head, keptEnd);
            } else {
                System.arraycopy(pending, 0, tokens, used, length);
            }
            lengths[count] = length;
            fullLengths[count] = pending.length;
            used += length;
            count++;
            next++;
            pending = null;
        }
        return new Packed(first, count, used);
    }
}
