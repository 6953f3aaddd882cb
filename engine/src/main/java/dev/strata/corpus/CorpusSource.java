package dev.strata.corpus;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where a task finds its corpus: the {@link Corpus} itself, for a task that runs in this process, or a
 * {@link CorpusCopy} that machines elsewhere read, so that a task sent there holds a path, not every prompt.
 */
public sealed interface CorpusSource extends Serializable permits Corpus, CorpusCopy {
    /** The corpus; a copy is read, and checked against its checksum, here. */
    Corpus read() throws IOException;
}
