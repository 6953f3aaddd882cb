package dev.strata.store;

import java.io.IOException;

/**
 * The output directory already holds an extraction, finished or not, and the run asked neither to resume nor to
 * overwrite. The message says what is there; the caller says how its user resumes or overwrites.
 */
public class StoreExistsException extends IOException {
    public StoreExistsException(String message) {
        super(message);
    }
}
