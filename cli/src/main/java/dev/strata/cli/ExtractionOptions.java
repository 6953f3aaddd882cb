package dev.strata.cli;

import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.extract.worker.WorkerExtraction;
import picocli.CommandLine.Option;

/** How prompts are decoded, shared by extract and study. */
final class ExtractionOptions {
    @Option(names = "--max-tokens", defaultValue = "" + ExtractOptions.DEFAULT_MAX_TOKENS,
            description = "cut prompts to this many tokens, BOS included; cut prompts are recorded (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--batch-tokens", paramLabel = "N",
            description = "most tokens decoded together (default " + ExtractOptions.DEFAULT_BATCH_TOKENS
                    + ", raised to --max-tokens)")
    Integer batchTokens;

    @Option(names = "--parallel", defaultValue = "" + ExtractOptions.DEFAULT_PARALLEL,
            description = "most prompts decoded together (default ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--gpu-layers", defaultValue = "0",
            description = "blocks to offload to a GPU; -1 for all (default ${DEFAULT-VALUE})")
    int gpuLayers;

    @Option(names = "--allow-nonfinite",
            description = "store NaN and infinite activations and count them per layer (metadata and manifest.json)"
                    + " instead of stopping at the first; k-NN still refuses them")
    boolean allowNonFinite;

    @Option(names = "--chat-template",
            description = "wrap each prompt in the model's own chat template (tokenizer.chat_template, applied by"
                    + " llama.cpp) as one user turn followed by the start of the reply; a model without one is refused")
    boolean chatTemplate;

    @Option(names = "--in-process",
            description = "run llama.cpp inside this process instead of a supervised worker process (for debugging and"
                    + " benchmarks: a model that makes llama.cpp abort then ends strata too)")
    boolean inProcess;

    /** Where the llama.cpp work runs: a worker process that a llama.cpp abort cannot take strata down with. */
    Extraction extraction(String version) {
        return inProcess ? new Extractor(version) : new WorkerExtraction(version);
    }

    /** The options, after checking each value against its flag (the engine's own checks name no flag). */
    ExtractOptions toOptions() {
        int batch = batchTokens != null ? batchTokens : Math.max(ExtractOptions.DEFAULT_BATCH_TOKENS, maxTokens);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
        if (threads() < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads());
        if (batch < maxTokens) {
            throw new IllegalArgumentException("--batch-tokens (" + batch + ") must be at least --max-tokens ("
                    + maxTokens + "): a prompt is never split across batches");
        }
        return new ExtractOptions(maxTokens, batch, parallel, threads(), gpuLayers).withNonFiniteAllowed(allowNonFinite)
                .withChatTemplate(chatTemplate);
    }

    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
