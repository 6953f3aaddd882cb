package dev.strata.cli;

import dev.strata.corpus.Corpus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Resolves --corpus: a built-in name or a path. */
final class Corpora {
    /** n and seed of the built-in random-strings control (method.md section 1). */
    static final int RANDOM_STRINGS_N = 2048;
    static final long RANDOM_STRINGS_SEED = 20250411L;

    private Corpora() {}

    static Corpus load(String spec) throws IOException {
        if (spec.equals("random-strings")) return Corpus.randomStrings(RANDOM_STRINGS_N, RANDOM_STRINGS_SEED);
        return Corpus.load(Path.of(spec));
    }

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("random-strings").iterator();
        }
    }
}
