package dev.strata.store;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** How one prompt's token vectors become one vector per tensor; each pooling has its own safetensors file. */
public enum Pooling {
    /** The last token's vector (the paper's default). */
    LAST("last"),
    /** The mean over the prompt's tokens. */
    MEAN("mean"),
    /**
     * The mean over the prompt's tokens but the first (position 0: the BOS token where the model adds one, else the
     * first token of the text); a prompt of one token keeps that token. The first token's residual is often orders of
     * magnitude larger than the others' (an attention sink), so the plain mean mostly measures it (method.md 9).
     */
    MEAN_SKIP_FIRST("mean-skip-first");

    /** The poolings an extraction stores unless told otherwise: the paper's two. */
    public static final Set<Pooling> PAPER = Collections.unmodifiableSet(EnumSet.of(LAST, MEAN));

    private final String label;

    Pooling(String label) {
        this.label = label;
    }

    /** The name used in file names and manifests: "last", "mean" or "mean-skip-first". */
    public String label() {
        return label;
    }

    /** The finished file's name, e.g. {@code activations-last.safetensors}. */
    public String fileName() {
        return "activations-" + label + ".safetensors";
    }

    /** Whether this pooling needs every token's row, not only the last one's. */
    public boolean needsAllTokens() {
        return this != LAST;
    }

    /** The pooling labelled {@code label} (any case). */
    public static Pooling of(String label) {
        for (Pooling pooling : values()) {
            if (pooling.label.equals(label.strip().toLowerCase(Locale.ROOT))) return pooling;
        }
        throw new IllegalArgumentException("unknown pooling '" + label + "' (expected " + allLabels(", ", " or ") + ")");
    }

    /** Every label in declaration order, e.g. "last, mean or mean-skip-first". */
    public static String allLabels(String separator, String lastSeparator) {
        String[] labels = Arrays.stream(values()).map(Pooling::label).toArray(String[]::new);
        return String.join(separator, Arrays.copyOf(labels, labels.length - 1)) + lastSeparator + labels[labels.length - 1];
    }

    /** The labels joined by '+', in declaration order, e.g. "last+mean". */
    public static String labels(Collection<Pooling> poolings) {
        return EnumSet.copyOf(poolings).stream().map(Pooling::label).collect(Collectors.joining("+"));
    }
}
