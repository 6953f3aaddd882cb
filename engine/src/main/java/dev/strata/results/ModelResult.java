package dev.strata.results;

import dev.strata.gguf.ModelFamily;
import dev.strata.store.ActivationsMetadata;
import java.nio.file.Path;
import java.util.List;

/**
 * What a study knows about one model after its extraction and k-NN.
 *
 * @param layers   labels of the layers compared (the view without h_0)
 * @param metadata the activations file's metadata (model checksum, architecture, blocks, width, ...)
 * @param family   the model's family and size, from its GGUF, that pairs are grouped by
 */
public record ModelResult(Model model, Path dir, Path activations, Path knn, List<String> layers,
                          ActivationsMetadata metadata, boolean extractionReused, double extractionSeconds,
                          boolean knnReused, double knnSeconds, ModelFamily family) {}
