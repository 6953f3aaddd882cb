package dev.strata.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Small llama-architecture models with random weights, for tests: every tensor and key llama.cpp's LLM_ARCH_LLAMA
 * loader needs, the tokenizer copied from an existing GGUF file. The same settings and seed give the same bytes.
 *
 * <p>Weights are normal with standard deviation 1/sqrt(fan in), so each projection keeps activations near unit
 * scale; embeddings are standard normal; norm weights are 1 plus a little noise so they are not the identity.
 *
 * <pre>{@code
 * RandomLlamaModel.builder().vocabularyFrom(vocabGguf).blocks(2).width(64).seed(7).write(path);
 * }</pre>
 */
public final class RandomLlamaModel {
    private Path vocabularyFrom;
    private int blocks = 2;
    private int width = 64;
    private int heads = 4;
    private int kvHeads = 2;
    private int ffnWidth = 128;
    private int contextLength = 256;
    private float ropeBase = 10000f;
    private float rmsEpsilon = 1e-5f;
    private long seed = 1;
    private GgmlType weightType = GgmlType.F32;

    private RandomLlamaModel() {}

    public static RandomLlamaModel builder() {
        return new RandomLlamaModel();
    }

    /** The GGUF file whose {@code tokenizer.*} entries are copied; the vocabulary size follows from it. */
    public RandomLlamaModel vocabularyFrom(Path gguf) {
        this.vocabularyFrom = gguf;
        return this;
    }

    public RandomLlamaModel blocks(int blocks) {
        this.blocks = blocks;
        return this;
    }

    public RandomLlamaModel width(int width) {
        this.width = width;
        return this;
    }

    public RandomLlamaModel heads(int heads) {
        this.heads = heads;
        return this;
    }

    public RandomLlamaModel kvHeads(int kvHeads) {
        this.kvHeads = kvHeads;
        return this;
    }

    public RandomLlamaModel ffnWidth(int ffnWidth) {
        this.ffnWidth = ffnWidth;
        return this;
    }

    public RandomLlamaModel contextLength(int contextLength) {
        this.contextLength = contextLength;
        return this;
    }

    public RandomLlamaModel ropeBase(float ropeBase) {
        this.ropeBase = ropeBase;
        return this;
    }

    public RandomLlamaModel rmsEpsilon(float rmsEpsilon) {
        this.rmsEpsilon = rmsEpsilon;
        return this;
    }

    public RandomLlamaModel seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** F32 or F16 for the matrices; norm weights stay F32 as llama.cpp's converters leave them. */
    public RandomLlamaModel weightType(GgmlType weightType) {
        if (weightType != GgmlType.F32 && weightType != GgmlType.F16) {
            throw new IllegalArgumentException("weights are F32 or F16, not " + weightType);
        }
        this.weightType = weightType;
        return this;
    }

    /** Writes the model to {@code target}. */
    public void write(Path target) throws IOException {
        if (vocabularyFrom == null) {
            throw new IllegalStateException("vocabularyFrom(gguf) is required");
        }
        if (blocks < 1 || width < 1 || heads < 1 || kvHeads < 1 || ffnWidth < 1 || contextLength < 1
                || width % heads != 0 || heads % kvHeads != 0 || (width / heads) % 2 != 0) {
            throw new IllegalArgumentException("need positive sizes, width divisible by heads into an even head size,"
                    + " and heads divisible by kv heads");
        }
        int headSize = width / heads;
        GgufWriter writer = new GgufWriter();
        long vocabulary;
        try (GgufFile vocab = GgufFile.open(vocabularyFrom)) {
            vocabulary = vocab.array("tokenizer.ggml.tokens")
                    .orElseThrow(() -> new GgufFormatException(vocabularyFrom, "no tokenizer.ggml.tokens"))
                    .size();
            writer.putString("general.architecture", "llama")
                    .putString("general.name", "strata random llama (seed " + seed + ")")
                    // LLAMA_FTYPE_ALL_F32 or LLAMA_FTYPE_MOSTLY_F16
                    .putUint32("general.file_type", weightType == GgmlType.F32 ? 0 : 1)
                    .putUint32("llama.block_count", blocks)
                    .putUint32("llama.context_length", contextLength)
                    .putUint32("llama.embedding_length", width)
                    .putUint32("llama.feed_forward_length", ffnWidth)
                    .putUint32("llama.attention.head_count", heads)
                    .putUint32("llama.attention.head_count_kv", kvHeads)
                    .putUint32("llama.rope.dimension_count", headSize)
                    .putFloat32("llama.rope.freq_base", ropeBase)
                    .putFloat32("llama.attention.layer_norm_rms_epsilon", rmsEpsilon)
                    .putUint32("llama.vocab_size", vocabulary);
            for (String key : vocab.metadata().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    writer.copy(vocab, key);
                }
            }
        }
        matrix(writer, "token_embd.weight", width, vocabulary, 1.0);
        for (int b = 0; b < blocks; b++) {
            String block = "blk." + b + ".";
            norm(writer, block + "attn_norm.weight");
            matrix(writer, block + "attn_q.weight", width, (long) heads * headSize);
            matrix(writer, block + "attn_k.weight", width, (long) kvHeads * headSize);
            matrix(writer, block + "attn_v.weight", width, (long) kvHeads * headSize);
            matrix(writer, block + "attn_output.weight", (long) heads * headSize, width);
            norm(writer, block + "ffn_norm.weight");
            matrix(writer, block + "ffn_gate.weight", width, ffnWidth);
            matrix(writer, block + "ffn_up.weight", width, ffnWidth);
            matrix(writer, block + "ffn_down.weight", ffnWidth, width);
        }
        norm(writer, "output_norm.weight");
        matrix(writer, "output.weight", width, vocabulary);
        writer.write(target);
    }

    /** A matrix mapping {@code in} inputs to {@code out} outputs: ggml shape [in, out]. */
    private void matrix(GgufWriter writer, String name, long in, long out) {
        matrix(writer, name, in, out, 1.0 / Math.sqrt(in));
    }

    private void matrix(GgufWriter writer, String name, long in, long out, double scale) {
        long stream = streamOf(name);
        writer.tensor(name, weightType, new long[] {in, out}, i -> (float) (scale * SeededGaussian.value(stream, i)));
    }

    private void norm(GgufWriter writer, String name) {
        long stream = streamOf(name);
        writer.tensor(name, GgmlType.F32, new long[] {width}, i -> (float) (1 + 0.1 * SeededGaussian.value(stream, i)));
    }

    /** Each tensor draws from its own stream, so its values do not depend on which tensors come before it. */
    private long streamOf(String tensorName) {
        return SeededGaussian.splitMix(seed * 0x9E3779B97F4A7C15L + tensorName.hashCode());
    }
}
