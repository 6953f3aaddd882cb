package dev.strata.extract;

import dev.strata.store.Pooling;
import java.io.Serializable;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * How an extraction runs.
 *
 * @param maxTokens   prompts are cut to their first maxTokens tokens (BOS included); cut prompts are recorded
 * @param batchTokens most tokens decoded together (one llama.cpp batch and KV cache)
 * @param parallel    most prompts decoded together, each its own sequence
 * @param threads     CPU threads for llama.cpp
 * @param gpuLayers   blocks offloaded to a GPU (0: none; negative: all)
 * @param poolings    the poolings to store. With last alone, only each prompt's last token is a llama.cpp output:
 *                    the last block then runs on those rows alone and llama.cpp copies no logits for the rest
 * @param allowNonFinite whether NaN and infinite activations are stored (and counted per layer in the metadata and
 *                    manifest) instead of stopping the run
 * @param chatTemplate whether each prompt is wrapped in the model's own chat template, as one user turn followed by
 *                    the start of the assistant's reply (see {@link ChatTemplate})
 * @param gpu         the one GPU that holds the whole model (its index in llama.cpp's list of GPUs), or
 *                    {@link #ANY_GPU}: llama.cpp spreads the offloaded blocks over every GPU it sees
 */
public record ExtractOptions(int maxTokens, int batchTokens, int parallel, int threads, int gpuLayers,
        Set<Pooling> poolings, boolean allowNonFinite, boolean chatTemplate, int gpu) implements Serializable {
    public static final int DEFAULT_MAX_TOKENS = 512;
    /**
     * llama.cpp keeps logits for every output token, and the mean makes every token an output (it needs all rows),
     * so a batch costs n_vocab x batchTokens x 4 bytes of host memory: 512 MiB for Gemma's 262k vocabulary.
     */
    public static final int DEFAULT_BATCH_TOKENS = 512;
    public static final int DEFAULT_PARALLEL = 16;
    /** No GPU of its own: llama.cpp's choice, every GPU it sees. */
    public static final int ANY_GPU = -1;

    /** Options that store the paper's two poolings, last and mean. */
    public ExtractOptions(int maxTokens, int batchTokens, int parallel, int threads, int gpuLayers) {
        this(maxTokens, batchTokens, parallel, threads, gpuLayers, Pooling.PAPER, false, false);
    }

    /** Options for any GPU ({@link #ANY_GPU}). */
    public ExtractOptions(int maxTokens, int batchTokens, int parallel, int threads, int gpuLayers,
            Set<Pooling> poolings, boolean allowNonFinite, boolean chatTemplate) {
        this(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowNonFinite, chatTemplate, ANY_GPU);
    }

    public ExtractOptions {
        if (poolings.isEmpty()) throw new IllegalArgumentException("no pooling to store");
        poolings = Collections.unmodifiableSet(EnumSet.copyOf(poolings));
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        if (parallel < 1) throw new IllegalArgumentException("parallel prompts must be at least 1, got " + parallel);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (gpu < ANY_GPU) throw new IllegalArgumentException("a GPU's index is 0 or more, got " + gpu);
        if (batchTokens < maxTokens) {
            throw new IllegalArgumentException("batch tokens (" + batchTokens + ") must be at least max tokens ("
                    + maxTokens + "): a prompt is never split across batches");
        }
    }

    /** These options, storing {@code poolings} instead. */
    public ExtractOptions withPoolings(Set<Pooling> poolings) {
        return new ExtractOptions(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowNonFinite,
                chatTemplate, gpu);
    }

    /** These options, with {@code threads} CPU threads (which do not change what is stored). */
    public ExtractOptions withThreads(int threads) {
        return new ExtractOptions(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowNonFinite,
                chatTemplate, gpu);
    }

    /** These options, with the whole model on GPU {@code gpu}, or {@link #ANY_GPU} (not in the {@link #fingerprint}). */
    public ExtractOptions withGpu(int gpu) {
        return new ExtractOptions(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowNonFinite,
                chatTemplate, gpu);
    }

    /** These options, storing non-finite activations ({@code allowed}) or stopping at the first. */
    public ExtractOptions withNonFiniteAllowed(boolean allowed) {
        return new ExtractOptions(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowed, chatTemplate,
                gpu);
    }

    /** These options, with each prompt wrapped in the model's chat template ({@code applied}) or left as it is. */
    public ExtractOptions withChatTemplate(boolean applied) {
        return new ExtractOptions(maxTokens, batchTokens, parallel, threads, gpuLayers, poolings, allowNonFinite,
                applied, gpu);
    }

    /**
     * These options with the batch shape of {@code savedFingerprint} (a {@link #fingerprint()} string) when it
     * describes the same data (same max tokens), so that a resumed run forms the batches the run began with.
     */
    public ExtractOptions withBatchShapeOf(String savedFingerprint) {
        java.util.Map<String, Integer> saved = new java.util.HashMap<>();
        for (String field : savedFingerprint.split(";")) {
            String[] kv = field.split("=", 2);
            if (kv.length == 2 && kv[1].matches("\\d+")) saved.put(kv[0], Integer.parseInt(kv[1]));
        }
        Integer batch = saved.get("batch_tokens");
        Integer seqs = saved.get("parallel");
        if (!Integer.valueOf(maxTokens).equals(saved.get("max_tokens")) || batch == null || seqs == null) return this;
        return new ExtractOptions(maxTokens, batch, seqs, threads, gpuLayers, poolings, allowNonFinite, chatTemplate,
                gpu);
    }

    /**
     * The options that decide the stored bytes, for the resume fingerprint. Batch shape is among them: it decides
     * which prompts share a graph, and float results may differ in the last bit between batch shapes. Threads, GPU
     * layers and the GPU are not: a resumed run may use another machine's cores. Poolings are in the store's
     * fingerprint. The chat template is named only when applied, so that stores made before the option existed keep
     * their fingerprint; the template itself is part of the model, whose checksum the store's fingerprint holds.
     */
    public String fingerprint() {
        return "max_tokens=" + maxTokens + ";batch_tokens=" + batchTokens + ";parallel=" + parallel
                + (chatTemplate ? ";chat_template=yes" : "");
    }
}
