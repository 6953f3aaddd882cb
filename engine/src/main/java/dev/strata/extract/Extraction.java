package dev.strata.extract;

import dev.strata.corpus.Corpus;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the llama.cpp work of an extraction runs: in this process ({@link Extractor}) or in a supervised worker
 * process that a failed assert in llama.cpp can kill without taking the caller with it
 * ({@link dev.strata.extract.worker.WorkerExtraction}). One instance may run several models in turn.
 */
public interface Extraction extends AutoCloseable {
    /**
     * Extracts {@code corpus} through {@code modelFile} into {@code dir}. With {@code resume} a checkpointed run
     * continues (and a finished one is left as it is); otherwise an existing extraction is refused unless
     * {@code overwrite}.
     */
    Extractor.Result run(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, boolean resume,
            boolean overwrite, Extractor.Progress progress) throws IOException;

    /** Releases what runs the extractions (the worker process); nothing for the in-process one. */
    @Override
    default void close() {}
}
