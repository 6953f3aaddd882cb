package dev.strata.cli;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Resolves --corpus: a built-in name or a path. */
final class Corpora {
    /** n of the built-in random-strings control (method.md section 1); its seed is the engine's. */
    static final int RANDOM_STRINGS_N = 2048;
    /** Where `make corpus` writes the default corpus, under the project root. */
    static final String DEFAULT_CORPUS = "build/corpus/default.jsonl";

    private Corpora() {}

    static Corpus load(String spec) throws IOException {
        if (spec.equals("random-strings")) return Corpus.randomStrings(RANDOM_STRINGS_N, Corpus.RANDOM_STRINGS_SEED);
        if (spec.equals("default")) return Corpus.load(defaultCorpus(Path.of(System.getProperty("strata.home", "."))));
        return Corpus.load(Path.of(spec));
    }

    /** The default corpus under the project root {@code home}, which must have been built. */
    static Path defaultCorpus(Path home) throws CorpusException {
        Path path = home.resolve(DEFAULT_CORPUS);
        if (!Files.isRegularFile(path)) {
            throw new CorpusException("the default corpus is not built (no " + path + "): run `make corpus`");
        }
        return path;
    }

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("default", "random-strings").iterator();
        }
    }
}
