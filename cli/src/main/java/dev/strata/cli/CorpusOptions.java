package dev.strata.cli;

import dev.strata.corpus.Corpus;
import java.io.IOException;
import picocli.CommandLine.Option;

/** --corpus and --n, shared by the commands that run prompts through models. */
final class CorpusOptions {
    @Option(names = "--corpus", required = true, paramLabel = "CORPUS",
            description = "prompts: a .txt file (one per line), a .jsonl file (\"text\" and optional \"id\"), "
                    + "or a built-in: ${COMPLETION-CANDIDATES}", completionCandidates = Corpora.Names.class)
    String corpus;

    @Option(names = "--n", paramLabel = "N",
            description = "only the first N prompts (the default corpus is shuffled, so any prefix is a random sample)")
    Integer n;

    Corpus load() throws IOException {
        if (n != null && n < 1) throw new IllegalArgumentException("--n must be at least 1, got " + n);
        Corpus all = Corpora.load(corpus);
        return n == null ? all : all.head(n);
    }
}
