package dev.strata.extract;

import dev.strata.corpus.Corpus;
import dev.strata.store.Pooling;
import dev.strata.store.RowBatch;
import java.util.Set;

/**
 * Refuses a batch whose rows hold NaN or infinite values before it is stored: a model that produces them (a broken
 * norm weight, a zero RoPE base, an infinite embedding row) would otherwise give activations no k-NN can use, with no
 * word of warning. Checks every row of every stored pooling; on a finite batch it allocates nothing.
 */
final class FiniteCheck {
    private final String model;
    private final Corpus corpus;
    /** An array, not the set: iterating an EnumSet allocates an iterator per batch. */
    private final Pooling[] poolings;

    FiniteCheck(String model, Corpus corpus, Set<Pooling> poolings) {
        this.model = model;
        this.corpus = corpus;
        this.poolings = poolings.toArray(new Pooling[0]);
    }

    /** Throws, naming the first layer and prompt affected, when slots 0 .. count-1 hold a non-finite value. */
    void requireFinite(RowBatch rows, int firstPrompt, int count) throws NonFiniteActivationsException {
        for (int tensor = 0; tensor < rows.tensors(); tensor++) {
            for (Pooling pooling : poolings) {
                long found = rows.nonFiniteValues(pooling, count, tensor);
                if (found > 0) throw refusal(rows, pooling, tensor, firstPrompt, count, found);
            }
        }
    }

    private NonFiniteActivationsException refusal(RowBatch rows, Pooling pooling, int tensor, int firstPrompt, int count,
            long inBatch) {
        int slot = 0;
        while (rows.nonFiniteValuesInSlot(pooling, slot, tensor) == 0) slot++;
        long inRow = rows.nonFiniteValuesInSlot(pooling, slot, tensor);
        int prompt = firstPrompt + slot;
        String layer = tensor == rows.tensors() - 1 ? "final_norm" : "layers." + tensor;
        return new NonFiniteActivationsException(model + ": " + inRow + " non-finite values (NaN or Inf) in " + layer
                + " of prompt " + prompt + " (id " + corpus.get(prompt).id() + ", " + pooling.label() + " pooling); "
                + inBatch + " in " + layer + " of prompts " + firstPrompt + ".." + (firstPrompt + count - 1)
                + "; the run stopped before storing them");
    }
}
