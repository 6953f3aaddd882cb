package dev.strata.compare;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How two layers are compared: by their neighbour tables (mknn, jaccard) or by their activations (cka). */
public enum SimilarityMetric {
    /** Mutual k-NN alignment, the paper's M: mean over prompts of |N_f(t) ∩ N_g(t)| / k. */
    MKNN,
    /** Jaccard index of the two neighbour sets, |A ∩ B| / |A ∪ B|, averaged over prompts. */
    JACCARD,
    /** Linear centred kernel alignment of the activation matrices. */
    CKA;

    /** The name used on the command line and in summaries. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SimilarityMetric parse(String text) {
        for (SimilarityMetric m : values()) {
            if (m.cliName().equalsIgnoreCase(text.strip())) return m;
        }
        throw new IllegalArgumentException("unknown metric '" + text + "' (expected one of "
                + Arrays.stream(values()).map(SimilarityMetric::cliName).collect(Collectors.joining(", ")) + ")");
    }

    /** Whether this metric is computed from neighbour tables rather than activations. */
    public boolean usesNeighbours() {
        return this != CKA;
    }

    /**
     * The per-prompt score for each possible overlap c = |A ∩ B| of two k-sets, indexed by c. Both
     * neighbour metrics depend on the overlap alone (|A ∪ B| = 2k - c), so the inner loop only counts.
     */
    double[] scoreByOverlap(int k) {
        double[] score = new double[k + 1];
        for (int c = 0; c <= k; c++) {
            score[c] = switch (this) {
                case MKNN -> (double) c / k;
                case JACCARD -> (double) c / (2 * k - c);
                case CKA -> throw new IllegalStateException("cka is computed from activations, not neighbour sets");
            };
        }
        return score;
    }
}
