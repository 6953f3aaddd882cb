package dev.strata.extract;

import dev.strata.bindings.Llama;
import dev.strata.corpus.Corpus;
import dev.strata.io.Sha256;
import dev.strata.store.ActivationStore;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.IfExists;
import dev.strata.store.NonFiniteValues;
import dev.strata.store.Pooling;
import dev.strata.store.RowBatch;
import dev.strata.store.StoreFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a corpus through a GGUF model and stores, for every prompt, one vector per layer and pooling
 * (method.md sections 1-3): prompts are packed whole into batches, decoded with the layer capture on, and each
 * batch is appended to the activation store and checkpointed, so a killed run resumes where it stopped. This is the
 * in-process {@link Extraction}: a llama.cpp abort here ends the calling process.
 */
public final class Extractor implements Extraction {
    /** Receives progress after every batch. */
    @FunctionalInterface
    public interface Progress {
        void update(int promptsDone, int promptsTotal, long tokensThisRun, long nanosThisRun);
    }

    /**
     * What a run reports; tokens, truncated and seconds count this run only (a resumed run did part of the work before).
     *
     * @param nonFiniteValues NaN and infinite values stored, over all files and tensors, when they were allowed and this
     *                        run finished the extraction; else 0
     */
    public record Result(Path dir, int prompts, long tokens, int truncated, double seconds, boolean alreadyComplete,
            long nonFiniteValues) {}

    private final String version;

    /** @param version strata's version, recorded in the outputs */
    public Extractor(String version) {
        this.version = version;
    }

    @Override
    public Result run(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, IfExists ifExists,
            Progress progress) throws IOException {
        String modelSha = Sha256.of(modelFile);
        if (ifExists == IfExists.RESUME) {
            // Batch shape changes only the last bits of the floats; a resumed run keeps the one it began with.
            ExtractOptions asked = options;
            options = ActivationStore.existing(dir).map(f -> asked.withBatchShapeOf(f.options())).orElse(options);
        }
        try (LoadedModel model = LoadedModel.open(modelFile, options.gpuLayers())) {
            ChatTemplate template = options.chatTemplate() ? ChatTemplate.of(model) : null;
            if (template != null && options.maxTokens() <= template.addedTokens()) {
                throw new IllegalArgumentException(modelFile + ": max tokens " + options.maxTokens() + " leave no room for"
                        + " a prompt inside the model's chat template, which adds " + template.addedTokens() + " tokens");
            }
            int tensors = model.nLayer() + 2;
            StoreFingerprint fingerprint = new StoreFingerprint(modelSha, corpus.sha256(), options.fingerprint(),
                    corpus.size(), model.width(), tensors, options.poolings());
            Map<String, String> metadata = metadata(model, modelSha, corpus, options, template).toStrings();
            NonFiniteValues nonFinite = options.allowNonFinite() ? NonFiniteValues.COUNTED : NonFiniteValues.REFUSED;
            try (ActivationStore store = ifExists == IfExists.RESUME
                    ? ActivationStore.resume(dir, fingerprint, metadata, nonFinite)
                    : ActivationStore.create(dir, fingerprint, metadata, ifExists, nonFinite)) {
                if (store.isComplete()) {
                    return new Result(dir, corpus.size(), 0, 0, 0, true, 0);
                }
                return extract(model, template, corpus, dir, store, options, progress);
            }
        }
    }

    @Override
    public int[][] tokenize(Path modelFile, Corpus corpus, ExtractOptions options) throws IOException {
        try (LoadedModel model = LoadedModel.open(modelFile, 0)) {
            // The packer cuts prompts (and keeps a template's closing tokens) exactly as the extraction does.
            PromptPacker packer = packer(model, options.chatTemplate() ? ChatTemplate.of(model) : null, corpus, 0,
                    options);
            int[] tokens = new int[options.batchTokens()];
            int[] lengths = new int[packer.parallel()];
            int[] fullLengths = new int[packer.parallel()];
            int[][] ids = new int[corpus.size()][];
            while (packer.hasNext()) {
                PromptPacker.Packed batch = packer.pack(tokens, lengths, fullLengths);
                for (int s = 0, offset = 0; s < batch.count(); offset += lengths[s++]) {
                    ids[batch.first() + s] = Arrays.copyOfRange(tokens, offset, offset + lengths[s]);
                }
            }
            return ids;
        }
    }

    /** @param template the chat template each prompt is wrapped in; null for none */
    private static PromptPacker packer(LoadedModel model, ChatTemplate template, Corpus corpus, int start,
            ExtractOptions options) {
        return template == null
                ? new PromptPacker(i -> model.tokenize(corpus.get(i).text()), corpus.size(), start, options)
                : new PromptPacker(i -> template.tokenize(corpus.get(i).text()), corpus.size(), start, options,
                        template.closingTokens());
    }

    /** @param template the chat template each prompt is wrapped in; null for none */
    private Result extract(LoadedModel model, ChatTemplate template, Corpus corpus, Path dir, ActivationStore store,
            ExtractOptions options, Progress progress) throws IOException {
        long started = System.nanoTime();
        int n = corpus.size();
        PromptPacker packer = packer(model, template, corpus, store.promptsDone(), options);
        int[] tokens = new int[options.batchTokens()];
        int[] lengths = new int[packer.parallel()];
        int[] fullLengths = new int[packer.parallel()];
        long tokensDone = 0;
        int truncated = 0;
        FiniteCheck finite = options.allowNonFinite() ? null
                : new FiniteCheck(model.file().getFileName().toString(), corpus, options.poolings());
        try (BatchDecoder decoder = new BatchDecoder(model, options.batchTokens(), packer.parallel(), options.threads(),
                     options.poolings());
             RowBatch rows = RowBatch.wrap(packer.parallel(), decoder.capture().slots(), model.width(),
                     RowBatch.Layout.TENSOR_MAJOR, decoder.capture().rowsPerPooling())) {
            while (packer.hasNext()) {
                PromptPacker.Packed batch = packer.pack(tokens, lengths, fullLengths);
                for (int s = 0; s < batch.count(); s++) {
                    boolean cut = fullLengths[s] > lengths[s];
                    rows.setPromptInfo(s, lengths[s], cut);
                    if (cut) truncated++;
                }
                decoder.decode(batch.count(), tokens, lengths);
                if (finite != null) finite.requireFinite(rows, batch.first(), batch.count());
                store.append(batch.first(), batch.count(), rows);
                store.checkpoint();
                tokensDone += batch.tokens();
                progress.update(batch.first() + batch.count(), n, tokensDone, System.nanoTime() - started);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("seconds", seconds);
        run.put("tokens_this_run", tokensDone);
        run.put("tokens_per_second", seconds > 0 ? tokensDone / seconds : 0);
        run.put("threads", options.threads());
        run.put("gpu_layers", options.gpuLayers());
        run.put("max_tokens", options.maxTokens());
        run.put("batch_tokens", options.batchTokens());
        run.put("parallel", options.parallel());
        run.put("poolings", Pooling.labels(options.poolings()));
        run.put("system", Llama.systemInfo());
        store.finish(corpus.ids(), run);
        long nonFinite = store.nonFiniteValues().values().stream().flatMapToLong(Arrays::stream).sum();
        return new Result(dir, n, tokensDone, truncated, seconds, false, nonFinite);
    }

    private ActivationsMetadata metadata(LoadedModel model, String modelSha, Corpus corpus, ExtractOptions options,
            ChatTemplate template) {
        LlamaSystem system = LlamaSystem.load();
        return new ActivationsMetadata(model.file().getFileName().toString(), modelSha, model.summary().architecture(),
                model.nLayer(), model.width(), corpus.name(), corpus.sha256(), corpus.size(), options.maxTokens(),
                ActivationStore.PROMPTS, system.release(), system.cpuVariant(), system.cpuFeatures(), version, null, null,
                template == null ? null : template.sha256(),
                options.poolings().contains(Pooling.MEAN_SKIP_FIRST) ? skippedPositions(model) : null);
    }

    /** What mean-skip-first leaves out of this model's prompts: always position 0, a BOS token where the model adds one. */
    static String skippedPositions(LoadedModel model) {
        return model.addsBos() ? "0 (the BOS token the model adds; a prompt of one token keeps it)"
                : "0 (the first token of the text: the model adds no BOS; a prompt of one token keeps it)";
    }
}
