package dev.strata.store;

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
}
