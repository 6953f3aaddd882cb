package dev.strata.compare;

import java.util.function.BinaryOperator;

/**
 * Two inputs of a comparison do not describe the same prompts. The message calls them A and B; {@link #describe}
 * words it with the caller's names for them (file names, option names).
 */
public final class InputsDifferException extends IllegalArgumentException {
    /** The message, given the names of input A and input B. */
    private final transient BinaryOperator<String> wording;

    private InputsDifferException(BinaryOperator<String> wording) {
        super(wording.apply("A", "B"));
        this.wording = wording;
    }

    static InputsDifferException tableShape(int nA, int kA, int nB, int kB) {
        return new InputsDifferException((a, b) -> a + " has n=" + nA + ", k=" + kA + " but " + b + " has n=" + nB
                + ", k=" + kB + "; compare tables built on the same prompts with the same k");
    }

    static InputsDifferException promptCount(int nA, int nB) {
        return new InputsDifferException((a, b) -> a + " has " + nA + " prompts, " + b + " " + nB
                + "; compare activations of the same prompts");
    }

    static InputsDifferException corpus(String corpusA, String corpusB) {
        return new InputsDifferException((a, b) -> a + " and " + b + " come from different corpora: corpus_sha256 "
                + corpusA + " vs " + corpusB);
    }

    /** The message with {@code nameA} and {@code nameB} for the two inputs. */
    public String describe(String nameA, String nameB) {
        return wording.apply(nameA, nameB);
    }
}
