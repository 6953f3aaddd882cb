package dev.strata.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The untrained control of method.md section 8: a model with the architecture and shapes of a real one and random
 * weights. Every metadata entry is copied (the tokenizer included), every tensor keeps its name and shape and is
 * written as F32, or F16 when it has more than {@link #F16_ABOVE} elements, whatever the real model's type:
 * <ul>
 *   <li>names containing "norm": 1 + 0.1 x normal noise (a norm weight near identity, as at initialisation);
 *   <li>{@code rope_freqs.weight} (fixed RoPE frequency factors, not learned): copied when the real one is F32/F16/BF16,
 *       else 1;
 *   <li>everything else: normal(0, 1/sqrt(fan_in)) with fan_in = dims[0] (ggml order: the input side of a matrix).
 * </ul>
 * Values are a pure function of seed, tensor name and index, so the same inputs give the same bytes.
 */
public final class UntrainedModel {
    /** Tensors larger than this are stored as F16 to keep the control's file near the size of a 16-bit model. */
    public static final long F16_ABOVE = 1L << 20;

    private UntrainedModel() {}

    /** Writes the untrained twin of {@code real} to {@code target}. */
    public static void write(Path real, Path target, long seed) throws IOException {
        try (GgufFile source = GgufFile.open(real)) {
            GgufWriter writer = new GgufWriter();
            boolean anyF16 = source.tensors().stream().anyMatch(t -> t.elementCount() > F16_ABOVE);
            for (String key : source.metadata().keySet()) {
                switch (key) {
                    // LLAMA_FTYPE_ALL_F32 or LLAMA_FTYPE_MOSTLY_F16: what the file now holds, not what the real one did
                    case "general.file_type" -> writer.putUint32(key, anyF16 ? 1 : 0);
                    case "general.name" -> writer.putString(key, source.string(key).orElse("model") + " (untrained)");
                    default -> writer.copy(source, key);
                }
            }
            if (!source.metadata().containsKey("general.file_type")) writer.putUint32("general.file_type", anyF16 ? 1 : 0);
            for (GgufFile.TensorInfo t : source.tensors()) {
                long[] dims = t.dims();
                GgmlType type = t.elementCount() > F16_ABOVE ? GgmlType.F16 : GgmlType.F32;
                String name = t.name();
                long stream = stream(seed, name);
                if (name.toLowerCase(Locale.ROOT).contains("norm")) {
                    writer.tensor(name, type, dims, i -> (float) (1 + 0.1 * SeededGaussian.value(stream, i)));
                } else if (name.equals("rope_freqs.weight")) {
                    float[] copied = copyable(t) ? source.floats(t) : null;
                    writer.tensor(name, type, dims, i -> copied != null ? copied[Math.toIntExact(i)] : 1f);
                } else {
                    double scale = 1.0 / Math.sqrt(dims[0]);
                    writer.tensor(name, type, dims, i -> (float) (scale * SeededGaussian.value(stream, i)));
                }
            }
            writer.write(target);
        }
    }

    private static boolean copyable(GgufFile.TensorInfo t) {
        return t.type() == GgmlType.F32 || t.type() == GgmlType.F16 || t.type() == GgmlType.BF16;
    }

    private static long stream(long seed, String tensorName) {
        long z = seed * 0x9E3779B97F4A7C15L + tensorName.hashCode() + 0x5DEECE66DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
