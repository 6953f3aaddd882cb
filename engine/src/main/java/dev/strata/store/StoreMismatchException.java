package dev.strata.store;

import java.io.IOException;

/**
 * A resumed run differs from the run that made the checkpoint (model, corpus, options, shape or metadata). The message
 * names what differs; the caller says how its user starts over.
 */
public class StoreMismatchException extends IOException {
    public StoreMismatchException(String message) {
        super(message);
    }
}
