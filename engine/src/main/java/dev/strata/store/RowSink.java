package dev.strata.store;

import java.io.IOException;

/** Where an extraction puts each decoded batch: the activation store, or one shard of it ({@link ShardFile}). */
public interface RowSink {
    /** Writes slots 0 .. count-1 of {@code batch} as prompts {@code firstPrompt} .. {@code firstPrompt + count - 1}. */
    void append(int firstPrompt, int count, RowBatch batch) throws IOException;

    /** Makes what was appended so far survive a crash, where the sink can resume. */
    void checkpoint() throws IOException;
}
