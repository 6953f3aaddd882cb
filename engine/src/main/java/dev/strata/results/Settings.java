package dev.strata.results;

import dev.strata.knn.LayerView;
import dev.strata.store.Pooling;

/**
 * The settings a study ran with, as its outputs record them.
 *
 * @param maxTokens prompts were cut to this many tokens
 * @param control   the controls added, as lower-case words joined by "," ("none", "untrained", "random-strings",
 *                  "untrained,random-strings")
 * @param resamples shuffles per block permutation test
 * @param seed      seed of the permutation tests and of the untrained controls
 * @param version   strata's version
 * @param llamaCpp  the llama.cpp release that ran the models
 * @param chatTemplate whether every prompt was wrapped in its model's chat template
 */
public record Settings(Pooling pooling, int k, LayerView.Kind view, int maxTokens, String control, int resamples,
                       long seed, String version, String llamaCpp, boolean chatTemplate) {}
