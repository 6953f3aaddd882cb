package dev.strata.cli;

import dev.strata.compare.Summary;
import picocli.CommandLine.Option;

/** The block permutation tests' resamples and seed, shared by compare and study. */
final class PermutationOptions {
    @Option(names = "--resamples", defaultValue = "" + Summary.Options.DEFAULT_RESAMPLES,
            description = "shuffles per block permutation test (default ${DEFAULT-VALUE})")
    int resamples;

    @Option(names = "--seed", defaultValue = "" + Summary.Options.DEFAULT_SEED,
            description = "seed of the permutation tests (and of study's controls) (default ${DEFAULT-VALUE})")
    long seed;

    int resamples() {
        if (resamples < 1) throw new IllegalArgumentException("--resamples must be at least 1, got " + resamples);
        return resamples;
    }
}
