package dev.strata.store;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.stream.Collectors;

/** How one prompt's token vectors become one vector per tensor; each pooling has its own safetensors file. */
public enum Pooling {
    /** The last token's vector (the paper's default). */
    LAST("last"),
    /** The mean over the prompt's tokens. */
    MEAN("mean");

    private final String label;

    Pooling(String label) {
        this.label = label;
    }

    /** The name used in file names and manifests: "last" or "mean". */
    public String label() {
        return label;
    }

    /** The finished file's name, e.g. {@code activations-last.safetensors}. */
    public String fileName() {
        return "activations-" + label + ".safetensors";
    }

    /** The pooling labelled {@code label} ("last" or "mean", any case). */
    public static Pooling of(String label) {
        for (Pooling pooling : values()) {
            if (pooling.label.equals(label.strip().toLowerCase(Locale.ROOT))) return pooling;
        }
        throw new IllegalArgumentException("unknown pooling '" + label + "' (expected last or mean)");
    }

    /** The labels joined by '+', in declaration order, e.g. "last+mean". */
    public static String labels(Collection<Pooling> poolings) {
        return EnumSet.copyOf(poolings).stream().map(Pooling::label).collect(Collectors.joining("+"));
    }
}
