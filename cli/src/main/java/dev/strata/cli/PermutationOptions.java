package dev.strata.cli;

import dev.strata.compare.Calibration;
import dev.strata.compare.Summary;
import picocli.CommandLine.Option;

/** The block permutation tests' resamples, the calibration's shuffles and their seed, shared by compare and study. */
final class PermutationOptions {
    @Option(names = "--resamples", defaultValue = "" + Summary.Options.DEFAULT_RESAMPLES,
            description = "shuffles per block permutation test (default ${DEFAULT-VALUE})")
    int resamples;

    @Option(names = "--seed", defaultValue = "" + Summary.Options.DEFAULT_SEED,
            description = "seed of the permutation tests (and of study's controls) (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--null-permutations", defaultValue = "" + Calibration.DEFAULT_PERMUTATIONS,
            description = "shuffles of the prompt correspondence for the calibrated scores; 0 leaves them out "
                    + "(default ${DEFAULT-VALUE})")
    int nullPermutations;

    int nullPermutations() {
        if (nullPermutations < 0) {
            throw new IllegalArgumentException("--null-permutations must be at least 0, got " + nullPermutations);
        }
        return nullPermutations;
    }

    int resamples() {
        if (resamples < 1) throw new IllegalArgumentException("--resamples must be at least 1, got " + resamples);
        return resamples;
    }
}
