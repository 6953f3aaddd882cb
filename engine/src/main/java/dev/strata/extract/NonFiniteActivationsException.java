package dev.strata.extract;

import java.io.IOException;

/** A model produced NaN or infinite activations and the run does not allow them; nothing of that batch was stored. */
public class NonFiniteActivationsException extends IOException {
    public NonFiniteActivationsException(String message) {
        super(message);
    }
}
