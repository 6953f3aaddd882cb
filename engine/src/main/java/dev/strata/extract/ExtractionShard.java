package dev.strata.extract;

import java.io.Serializable;

/**
 * Shard {@code index} of a model's extraction: the batches of the single-machine run that begin at prompts
 * [from, to), so that each batch holds exactly the prompts it would hold on one machine and the merged activations
 * are the same bytes. Which prompts those are depends on token counts, so the extraction works it out.
 */
public record ExtractionShard(int index, int from, int to) implements Serializable {
    public ExtractionShard {
        if (index < 0 || from < 0 || to <= from) {
            throw new IllegalArgumentException("shard " + index + " of prompts [" + from + ", " + to + ") is empty");
        }
    }
}
