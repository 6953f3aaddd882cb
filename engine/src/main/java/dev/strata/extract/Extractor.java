package dev.strata.extract;

import dev.strata.bindings.Llama;
import dev.strata.corpus.Corpus;
import dev.strata.store.ActivationStore;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.IfExists;
import dev.strata.store.NonFiniteValues;
import dev.strata.store.Pooling;
import dev.strata.store.RowBatch;
import dev.strata.store.RowSink;
import dev.strata.store.ShardFile;
import dev.strata.store.StoreFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

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
    private final ModelCache models;

    /** @param version strata's version, recorded in the outputs; every run loads its model and frees it at the end */
    public Extractor(String version) {
        this(version, null);
    }

    /**
     * @param version strata's version, recorded in the outputs
     * @param models  where runs find the model the last run loaded (the caller closes it); null: load per run
     */
    public Extractor(String version, ModelCache models) {
        this.version = version;
        this.models = models;
    }

    @Override
    public Result run(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, IfExists ifExists,
            Progress progress) throws IOException {
        if (ifExists == IfExists.RESUME) options = resumedShape(dir, options);
        try (ModelCache.Lease lease = load(modelFile, options.gpuLayers(), options.gpu())) {
            LoadedModel model = lease.model();
            Prepared prepared = prepare(lease, modelFile, corpus, options);
            NonFiniteValues nonFinite = options.allowNonFinite() ? NonFiniteValues.COUNTED : NonFiniteValues.REFUSED;
            Result result;
            try (ActivationStore store = ifExists == IfExists.RESUME
                    ? ActivationStore.resume(dir, prepared.fingerprint(), prepared.metadata(), nonFinite)
                    : ActivationStore.create(dir, prepared.fingerprint(), prepared.metadata(), ifExists, nonFinite)) {
                if (store.isComplete()) {
                    result = new Result(dir, corpus.size(), 0, 0, 0, true, 0);
                } else {
                    Map<Integer, ShardFile.Complete> shards = ifExists == IfExists.RESUME
                            ? ShardFile.findAll(dir, prepared.fingerprint(), prepared.metadata()) : Map.of();
                    result = extract(model, prepared.template(), corpus, dir, store, shards, options, progress);
                }
            }
            // Merged (or made stale by a new run): also after a merge that died before removing them.
            ShardFile.deleteAll(dir);
            return result;
        }
    }

    /**
     * Extracts one shard of the extraction into {@code dir} ({@link ShardFile}), for a later {@link #run} there to
     * merge; a shard already finished, or a store already merged, is left as it is.
     */
    @Override
    public Result runShard(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, ExtractionShard shard,
            Progress progress) throws IOException {
        if (ActivationStore.isFinished(dir)) return new Result(dir, 0, 0, 0, 0, true, 0);
        options = resumedShape(dir, options);
        try (ModelCache.Lease lease = load(modelFile, options.gpuLayers(), options.gpu())) {
            LoadedModel model = lease.model();
            Prepared prepared = prepare(lease, modelFile, corpus, options);
            Optional<ShardFile.Complete> done =
                    ShardFile.find(dir, shard.index(), prepared.fingerprint(), prepared.metadata());
            if (done.isPresent()) return new Result(dir, done.get().count(), 0, 0, 0, true, 0);
            // The batches before the shard are packed (not decoded) to find where its own begin; tokenized once.
            int[][] tokenized = new int[corpus.size()][];
            IntFunction<int[]> tokenizer = tokenizer(model, prepared.template(), corpus);
            IntFunction<int[]> cached = i -> tokenized[i] != null ? tokenized[i] : (tokenized[i] = tokenizer.apply(i));
            int keptEnd = keptEnd(prepared.template());
            int[] range = batchesBeginningIn(cached, corpus.size(), shard, options, keptEnd);
            int first = range[0];
            int count = range[1] - range[0];
            long started = System.nanoTime();
            try (ShardFile.Writer writer = ShardFile.create(dir, shard.index(), prepared.fingerprint(), prepared.metadata(),
                    first, count)) {
                Decoded decoded = count == 0 ? new Decoded(0, 0)
                        : decode(model, corpus, new PromptPacker(cached, corpus.size(), first, range[1], options, keptEnd),
                                writer, Map.of(), options, started, (promptsDone, total, tokens, nanos) ->
                                        progress.update(promptsDone - first, count, tokens, nanos));
                writer.finish();
                return new Result(dir, count, decoded.tokens(), decoded.truncated(), (System.nanoTime() - started) / 1e9,
                        false, 0);
            }
        }
    }

    @Override
    public int[][] tokenize(Path modelFile, Corpus corpus, ExtractOptions options) throws IOException {
        // Tokenizing needs no GPU; with a cache it takes the extraction's model as it is loaded.
        try (ModelCache.Lease lease = models == null ? load(modelFile, 0, ExtractOptions.ANY_GPU)
                : load(modelFile, options.gpuLayers(), options.gpu())) {
            LoadedModel model = lease.model();
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

    /** What a run and a shard both derive from the loaded model before they touch the store. */
    private record Prepared(ChatTemplate template, StoreFingerprint fingerprint, Map<String, String> metadata) {}

    private Prepared prepare(ModelCache.Lease lease, Path modelFile, Corpus corpus, ExtractOptions options)
            throws IOException {
        ChatTemplate template = template(lease.model(), modelFile, options);
        return new Prepared(template, fingerprint(lease.model(), lease.sha256(), corpus, options),
                metadata(lease.model(), lease.sha256(), corpus, options, template).toStrings());
    }

    /** The model from this extractor's cache, or loaded for this run alone (freed when the lease closes). */
    private ModelCache.Lease load(Path modelFile, int gpuLayers, int gpu) throws IOException {
        if (models != null) return models.open(modelFile, gpuLayers, gpu);
        try (ModelCache once = new ModelCache()) {
            return once.open(modelFile, gpuLayers, gpu);
        }
    }

    /** @param template the chat template each prompt is wrapped in; null for none */
    private static PromptPacker packer(LoadedModel model, ChatTemplate template, Corpus corpus, int start,
            ExtractOptions options) {
        return new PromptPacker(tokenizer(model, template, corpus), corpus.size(), start, options, keptEnd(template));
    }

    /** Tokens at the end of every prompt that cutting keeps: the template's closing tokens, if any. */
    private static int keptEnd(ChatTemplate template) {
        return template == null ? 0 : template.closingTokens();
    }

    /**
     * The prompts [first, end) of the batches that begin in the shard's range, found by packing from the first prompt
     * as a single-machine run does; empty (first = end) when no batch begins there.
     */
    static int[] batchesBeginningIn(IntFunction<int[]> tokenizer, int prompts, ExtractionShard shard,
            ExtractOptions options, int keptEnd) {
        PromptPacker packer = new PromptPacker(tokenizer, prompts, 0, options, keptEnd);
        int[] tokens = new int[options.batchTokens()];
        int[] lengths = new int[packer.parallel()];
        int[] fullLengths = new int[packer.parallel()];
        int first = -1;
        while (packer.hasNext() && packer.nextPrompt() < shard.to()) {
            if (first < 0 && packer.nextPrompt() >= shard.from()) first = packer.nextPrompt();
            packer.pack(tokens, lengths, fullLengths);
        }
        int end = packer.nextPrompt();
        return new int[] {first < 0 ? end : first, end};
    }

    /** A resumed run keeps the batch shape it began with: batch shape changes the last bits of the floats. */
    private static ExtractOptions resumedShape(Path dir, ExtractOptions asked) throws IOException {
        return ActivationStore.existing(dir).map(f -> asked.withBatchShapeOf(f.options())).orElse(asked);
    }

    /** The chat template each prompt is wrapped in, when the options ask for one; null for none. */
    private static ChatTemplate template(LoadedModel model, Path modelFile, ExtractOptions options)
            throws ChatTemplateException {
        ChatTemplate template = options.chatTemplate() ? ChatTemplate.of(model) : null;
        if (template != null && options.maxTokens() <= template.addedTokens()) {
            throw new IllegalArgumentException(modelFile + ": max tokens " + options.maxTokens() + " leave no room for"
                    + " a prompt inside the model's chat template, which adds " + template.addedTokens() + " tokens");
        }
        return template;
    }

    /** @param template the chat template each prompt is wrapped in; null for none */
    private static IntFunction<int[]> tokenizer(LoadedModel model, ChatTemplate template, Corpus corpus) {
        return template == null ? i -> model.tokenize(corpus.get(i).text()) : i -> template.tokenize(corpus.get(i).text());
    }

    private static StoreFingerprint fingerprint(LoadedModel model, String modelSha, Corpus corpus,
            ExtractOptions options) {
        return new StoreFingerprint(modelSha, corpus.sha256(), options.fingerprint(), corpus.size(), model.width(),
                model.nLayer() + 2, options.poolings());
    }

    /** What {@link #decode} did: tokens decoded and prompts truncated. */
    private record Decoded(long tokens, int truncated) {}

    /**
     * @param template the chat template each prompt is wrapped in; null for none
     * @param shards   finished shards of this extraction by first prompt, merged instead of decoded again
     */
    private Result extract(LoadedModel model, ChatTemplate template, Corpus corpus, Path dir, ActivationStore store,
            Map<Integer, ShardFile.Complete> shards, ExtractOptions options, Progress progress) throws IOException {
        long started = System.nanoTime();
        int n = corpus.size();
        PromptPacker packer = packer(model, template, corpus, store.promptsDone(), options);
        Decoded decoded = decode(model, corpus, packer, store, shards, options, started, progress);
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("seconds", seconds);
        run.put("tokens_this_run", decoded.tokens());
        run.put("tokens_per_second", seconds > 0 ? decoded.tokens() / seconds : 0);
        run.put("threads", options.threads());
        run.put("gpu_layers", options.gpuLayers());
        run.put("max_tokens", options.maxTokens());
        run.put("batch_tokens", options.batchTokens());
        run.put("parallel", options.parallel());
        run.put("poolings", Pooling.labels(options.poolings()));
        run.put("system", Llama.systemInfo());
        store.finish(corpus.ids(), run);
        long nonFinite = store.nonFiniteValues().values().stream().flatMapToLong(Arrays::stream).sum();
        return new Result(dir, n, decoded.tokens(), decoded.truncated(), seconds, false, nonFinite);
    }

    /**
     * Decodes the packer's batches into {@code sink}, checkpointing after each; where a finished shard of
     * {@code shards} begins, its rows go into the store instead and the packer continues after it.
     */
    private Decoded decode(LoadedModel model, Corpus corpus, PromptPacker packer, RowSink sink,
            Map<Integer, ShardFile.Complete> shards, ExtractOptions options, long started, Progress progress)
            throws IOException {
        int n = corpus.size();
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
                ShardFile.Complete shard = shards.get(packer.nextPrompt());
                if (shard != null && sink instanceof ActivationStore store) {
                    store.appendShard(shard);
                    store.checkpoint();
                    packer.skipTo(shard.first() + shard.count());
                    progress.update(packer.nextPrompt(), n, tokensDone, System.nanoTime() - started);
                    continue;
                }
                PromptPacker.Packed batch = packer.pack(tokens, lengths, fullLengths);
                for (int s = 0; s < batch.count(); s++) {
                    boolean cut = fullLengths[s] > lengths[s];
                    rows.setPromptInfo(s, lengths[s], cut);
                    if (cut) truncated++;
                }
                decoder.decode(batch.count(), tokens, lengths);
                if (finite != null) finite.requireFinite(rows, batch.first(), batch.count());
                sink.append(batch.first(), batch.count(), rows);
                sink.checkpoint();
                tokensDone += batch.tokens();
                progress.update(batch.first() + batch.count(), n, tokensDone, System.nanoTime() - started);
            }
        }
        return new Decoded(tokensDone, truncated);
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
