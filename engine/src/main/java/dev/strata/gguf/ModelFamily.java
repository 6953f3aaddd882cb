package dev.strata.gguf;

import java.util.Locale;

/**
 * A model's family and size, from its GGUF metadata, so that a study can group its pairs (the paper: models of one
 * family agree most). The family is {@code general.basename}, the name the publisher gives the model line
 * ("Qwen2.5-Coder", "smollm2"), else {@code general.architecture}; the size is {@code general.size_label} ("0.5B"),
 * else the parameter count rounded ("135M").
 */
public record ModelFamily(String family, String size) {
    /** Reads the family and size of {@code gguf}. */
    public static ModelFamily of(GgufFile gguf) {
        String family = gguf.string("general.basename").filter(s -> !s.isBlank())
                .orElseGet(() -> gguf.string("general.architecture").orElse("unknown"));
        String size = gguf.string("general.size_label").filter(s -> !s.isBlank()).orElseGet(() -> sizeOf(
                gguf.tensors().stream().mapToLong(GgufFile.TensorInfo::elementCount).sum()));
        return new ModelFamily(family.strip(), size.strip());
    }

    /** Whether {@code other} is of the same family (names compared ignoring case: files spell them differently). */
    public boolean sameFamily(ModelFamily other) {
        return family.equalsIgnoreCase(other.family);
    }

    /** "Qwen2.5-Coder 0.5B". */
    public String label() {
        return family + " " + size;
    }

    /** A parameter count as publishers label it: 135M, 1.5B. */
    static String sizeOf(long parameters) {
        if (parameters >= 1_000_000_000L) return trim(parameters / 1e9) + "B";
        if (parameters >= 1_000_000L) return Math.round(parameters / 1e6) + "M";
        return Math.round(parameters / 1e3) + "K";
    }

    private static String trim(double billions) {
        String text = String.format(Locale.ROOT, "%.1f", billions);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
