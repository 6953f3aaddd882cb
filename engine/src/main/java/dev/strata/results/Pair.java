package dev.strata.results;

import dev.strata.compare.Comparison;
import java.nio.file.Path;

/** One comparison of a study: models i and j (i <= j; i == j is within one model), written into {@code dir}. */
public record Pair(int i, int j, Path dir, Comparison comparison) {
    public boolean withinModel() {
        return i == j;
    }
}
