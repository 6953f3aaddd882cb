package dev.strata.store;

import java.io.IOException;

/** A resumed run differs from the run that made the checkpoint (model, corpus, options, shape or metadata). */
public class StoreMismatchException extends IOException {
    public StoreMismatchException(String message) {
        super(message);
    }
}
