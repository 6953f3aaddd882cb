package dev.strata.extract;

import dev.strata.corpus.Corpus;
import dev.strata.store.IfExists;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the llama.cpp work of an extraction runs: in this process ({@link Extractor}) or in a supervised worker
 * process that a failed assert in llama.cpp can kill without taking the caller with it
 * ({@link dev.strata.extract.worker.WorkerExtraction}). One instance may run several models in turn.
 */
public interface Extraction extends AutoCloseable {
    /**
     * Extracts {@code corpus} through {@code modelFile} into {@code dir}; {@code ifExists} says what an extraction
     * already there means: refused, resumed (a finished one is left as it is) or replaced.
     */
    Extractor.Result run(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, IfExists ifExists,
            Extractor.Progress progress) throws IOException;

    /**
     * Every prompt's token ids as an extraction with {@code options} feeds them to the model (BOS where the model adds
     * one, cut to the max tokens), for the baselines that count tokens: tokenizing needs llama.cpp, so it runs where
     * the extractions do.
     */
    int[][] tokenize(Path modelFile, Corpus corpus, ExtractOptions options) throws IOException;

    /**
     * Extracts shard {@code shard} of the extraction {@link #run} would do in {@code dir}, beside it, for a later
     * {@code run} there (with {@link IfExists#RESUME}) to merge into the same files an unsharded run writes. A shard
     * already finished, or an extraction already merged, is left as it is.
     */
    Extractor.Result runShard(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, ExtractionShard shard,
            Extractor.Progress progress) throws IOException;

    /** Releases what runs the extractions (the worker process); nothing for the in-process one. */
    @Override
    default void close() {}
}
