package dev.strata.results;

import java.util.List;

/**
 * One row of the bag-of-tokens baseline (method.md section 9, docs/statistics.md): M at the study's k between the
 * neighbours of each prompt's TF-IDF token-count vector, counted with one model's tokenizer, and the neighbours at
 * each compared layer of one model. High M: token counts alone already explain much of that layer's neighbourhoods.
 *
 * @param tokenizer the index, among the study's models, of the model whose tokenizer counted the tokens
 * @param model     the index of the model whose layers are compared
 * @param m         one M per compared layer of that model, in its order
 */
public record BagOfTokensRow(int tokenizer, int model, List<Double> m) {
    public BagOfTokensRow {
        m = List.copyOf(m);
    }
}
