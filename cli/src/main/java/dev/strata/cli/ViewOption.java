package dev.strata.cli;

import dev.strata.knn.LayerView;
import picocli.CommandLine.Option;

/** --view: which stored tensors are the layers, shared by knn, compare and study. */
final class ViewOption {
    @Option(names = "--view", defaultValue = "hf", paramLabel = "hf|raw",
            description = "hf: layers.0..L-1 + final_norm, Hugging Face's hidden states (default); "
                    + "raw: every layers.<i> + final_norm")
    LayerView.Kind kind;
}
