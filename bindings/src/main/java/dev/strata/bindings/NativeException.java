package dev.strata.bindings;

/** A native call failed; the message says which call, on what, and the last error llama.cpp logged. */
public final class NativeException extends RuntimeException {
    public NativeException(String message) {
        super(message);
    }
}
