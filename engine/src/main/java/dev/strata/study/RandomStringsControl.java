package dev.strata.study;

import dev.strata.corpus.Corpus;
import dev.strata.plan.Executor;
import dev.strata.results.StudyResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The random-strings control (method.md section 1, the paper's): the same models, options and n on strings of random
 * characters, run as a study of its own in {@code OUT/controls/random-strings/} (its own report and study.json), so
 * the main report can set each pair's numbers beside those it gets without any language. The paper finds the
 * early and late layers still agree there, the middle less.
 */
final class RandomStringsControl {
    static final String DIR = "random-strings";

    private RandomStringsControl() {}

    static StudyResult run(List<Path> modelFiles, int n, Path out, Study.Options options, Executor executor,
            Study.Listener listener) throws IOException {
        Corpus strings = Corpus.randomStrings(n, Corpus.RANDOM_STRINGS_SEED);
        Path dir = out.resolve(Study.CONTROLS).resolve(DIR);
        listener.stage("control random-strings: the same study on " + n + " random strings in " + dir);
        return Study.run(modelFiles, strings, dir, options.withControls(Set.of()), executor, listener);
    }
}
