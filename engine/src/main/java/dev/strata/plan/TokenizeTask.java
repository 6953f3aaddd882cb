package dev.strata.plan;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.extract.ExtractOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Every prompt's token ids under one model's tokenizer, as an extraction with {@code options} feeds them to the model,
 * for the baselines that count tokens. Tokenizing needs llama.cpp, so it runs where the extractions do; it writes
 * nothing, so a repeated run gives the same ids.
 *
 * @param model     the model's display name, for messages
 * @param modelFile the GGUF file whose tokenizer counts
 */
public record TokenizeTask(String model, String modelFile, CorpusSource corpus, ExtractOptions options)
        implements Task<TokenizeTask.Done> {
    /** @param ids prompt p's token ids, BOS and chat template included where the extraction adds them, cut alike */
    public record Done(int[][] ids, double seconds) implements TaskResult {}

    @Override
    public String describe() {
        return "tokenize " + model;
    }

    @Override
    public Done run(TaskContext context) throws IOException {
        Corpus prompts = corpus.read();
        long started = System.nanoTime();
        // Placed like the extraction, so that an executor tokenizes with the model that extraction left loaded.
        int[][] ids = context.extraction().tokenize(Path.of(modelFile), prompts, context.placed(options));
        return new Done(ids, (System.nanoTime() - started) / 1e9);
    }
}
