package dev.strata.plan;

/**
 * What every executor needs to know of the run.
 *
 * @param version strata's version, recorded in the outputs by the extractors an executor makes
 * @param threads CPU threads per task, for llama.cpp and k-NN, where the cluster does not say
 */
public record ExecutorSettings(String version, int threads) {
    public ExecutorSettings {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
}
