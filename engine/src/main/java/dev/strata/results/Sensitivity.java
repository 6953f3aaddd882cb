package dev.strata.results;

import dev.strata.compare.KSensitivity;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.SimilarityStats.DiagonalMeans;
import java.util.List;

/**
 * How the study's numbers move with k, with the draw of prompts and with n (method.md section 9, details in
 * docs/statistics.md).
 *
 * @param kMax      the k of the one k-NN pass the k sensitivity comes from
 * @param ks        the k reported
 * @param resamples bootstrap resamples
 * @param seed      seed of the bootstrap and of the subsets
 * @param sizes     the subsample sizes, the full corpus last
 * @param pairs     one entry per pair of the study, in its order
 */
public record Sensitivity(int kMax, List<Integer> ks, int resamples, long seed, List<Integer> sizes,
                          List<ForPair> pairs) {
    public Sensitivity {
        ks = List.copyOf(ks);
        sizes = List.copyOf(sizes);
        pairs = List.copyOf(pairs);
    }

    /** One pair's diagonal means at each k, their bootstrap intervals at the study's k, and at each subsample size. */
    public record ForPair(List<KSensitivity.Point> byK, PromptBootstrap.Intervals bootstrap, List<SizePoint> bySize) {
        public ForPair {
            byK = List.copyOf(byK);
            bySize = List.copyOf(bySize);
        }
    }

    /** The diagonal means on a subset of n prompts. */
    public record SizePoint(int n, DiagonalMeans means) {}
}
