package dev.strata.bench;

import dev.strata.bindings.Batch;
import dev.strata.bindings.ContextParams;
import dev.strata.bindings.EvalHook;
import dev.strata.bindings.Ggml;
import dev.strata.bindings.Llama;
import dev.strata.corpus.Corpus;
import dev.strata.extract.BatchDecoder;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.LoadedModel;
import dev.strata.extract.PromptPacker;
import dev.strata.store.Pooling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Capture overhead: tokens per second of strata's capturing decode against plain llama.cpp decode loops over the
 * same model, prompts, batches and threads, in one process. Modes:
 * <ul>
 *   <li>one-sequence: no callback, each batch's tokens as one sequence with only its last token an output (the shape
 *       of llama-bench's prompt-processing test: same tokens per batch, no sequences to keep apart);</li>
 *   <li>plain-last: no callback, only each prompt's last token is an output (what an embedding user runs);</li>
 *   <li>plain-all: no callback, every token an output (the same rows as capture keeps, plus the LM head);</li>
 *   <li>all-rows: every token an output and the graph cut after the final norm, nothing copied: what llama.cpp
 *       itself costs for the rows the mean needs (the last block on all rows, n_vocab logits copied per token);</li>
 *   <li>capture: strata's BatchDecoder storing both poolings: every block copied and pooled;</li>
 *   <li>capture-last: strata's BatchDecoder storing the last token only (extract --pooling last).</li>
 * </ul>
 * The modes run in turn, round after round, so that a slow spell of a shared machine hits them all alike; each
 * mode's median over the rounds is reported. Capture's own cost is capture against all-rows.
 * Usage: ExtractionOverhead MODEL.gguf CORPUS [threads] [parallel] [batchTokens] [maxTokens] [repeats]
 */
public final class ExtractionOverhead {
    /** Held: java.util.logging keeps loggers weakly, and a collected one would forget the level. */
    private static final java.util.logging.Logger NATIVE_LOG = java.util.logging.Logger.getLogger("llama.cpp");

    public static void main(String[] args) throws Exception {
        NATIVE_LOG.setLevel(java.util.logging.Level.OFF);
        Path modelFile = Path.of(args[0]);
        Corpus corpus = Corpus.load(Path.of(args[1]));
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int parallel = args.length > 3 ? Integer.parseInt(args[3]) : ExtractOptions.DEFAULT_PARALLEL;
        int batchTokens = args.length > 4 ? Integer.parseInt(args[4]) : ExtractOptions.DEFAULT_BATCH_TOKENS;
        int maxTokens = args.length > 5 ? Integer.parseInt(args[5]) : ExtractOptions.DEFAULT_MAX_TOKENS;
        int repeats = args.length > 6 ? Integer.parseInt(args[6]) : 3;
        ExtractOptions options = new ExtractOptions(maxTokens, batchTokens, parallel, threads, 0);

        try (LoadedModel model = LoadedModel.open(modelFile, 0)) {
            List<int[][]> batches = plan(model, corpus, options);
            long tokens = batches.stream().mapToLong(b -> Arrays.stream(b).mapToLong(t -> t.length).sum()).sum();
            int maxSeqs = batches.stream().mapToInt(b -> b.length).max().orElse(1);
            System.out.printf(Locale.ROOT, "model %s, %d prompts, %d tokens in %d batches, threads %d%n",
                    modelFile.getFileName(), corpus.size(), tokens, batches.size(), threads);
            List<Mode> modes = List.of(
                    new Mode("one-sequence", () -> oneSequence(model, batches, batchTokens, threads)),
                    new Mode("plain-last", () -> plain(model, batches, batchTokens, maxSeqs, threads, false, false)),
                    new Mode("plain-all", () -> plain(model, batches, batchTokens, maxSeqs, threads, true, false)),
                    new Mode("all-rows", () -> plain(model, batches, batchTokens, maxSeqs, threads, true, true)),
                    new Mode("capture", () -> capture(model, batches, batchTokens, maxSeqs, threads, EnumSet.allOf(Pooling.class))),
                    new Mode("capture-last", () -> capture(model, batches, batchTokens, maxSeqs, threads, EnumSet.of(Pooling.LAST))));
            double[][] seconds = new double[modes.size()][repeats];
            for (int round = 0; round < repeats; round++) {
                for (int m = 0; m < modes.size(); m++) seconds[m][round] = modes.get(m).run().seconds();
            }
            double plainLast = median(seconds[1]);
            double allRows = median(seconds[3]);
            System.out.printf(Locale.ROOT, "%-13s %8s %14s %12s%n", "mode", "tok/s", "vs plain-last", "vs all-rows");
            for (int m = 0; m < modes.size(); m++) {
                double t = median(seconds[m]);
                System.out.printf(Locale.ROOT, "%-13s %8.1f %+13.1f%% %+11.1f%%%n", modes.get(m).name(), tokens / t,
                        100 * (t / plainLast - 1), 100 * (t / allRows - 1));
            }
            System.out.printf(Locale.ROOT, "peak RSS %d MiB%n", peakRssKiB() / 1024);
        }
    }

    /** The batches strata's extractor would form, as token arrays per prompt. */
    static List<int[][]> plan(LoadedModel model, Corpus corpus, ExtractOptions options) {
        PromptPacker packer = new PromptPacker(i -> model.tokenize(corpus.get(i).text()), corpus.size(), 0, options);
        int[] tokens = new int[options.batchTokens()];
        int[] lengths = new int[packer.parallel()];
        int[] full = new int[packer.parallel()];
        List<int[][]> batches = new ArrayList<>();
        while (packer.hasNext()) {
            PromptPacker.Packed p = packer.pack(tokens, lengths, full);
            int[][] batch = new int[p.count()][];
            for (int s = 0, offset = 0; s < p.count(); offset += lengths[s], s++) {
                batch[s] = Arrays.copyOfRange(tokens, offset, offset + lengths[s]);
            }
            batches.add(batch);
        }
        return batches;
    }

    static double plain(LoadedModel model, List<int[][]> batches, int batchTokens, int maxSeqs, int threads,
            boolean allOutputs, boolean cutAfterFinalNorm) {
        byte[] name = new byte[Ggml.MAX_NAME];
        try (Arena arena = Arena.ofConfined(); Batch batch = new Batch(batchTokens);
             EvalHook cut = new EvalHook((tensor, ask) -> ask && isFinalNorm(tensor, name))) {
            ContextParams params = new ContextParams(arena).nCtx(batchTokens).nBatch(batchTokens).nUbatch(batchTokens)
                    .nSeqMax(maxSeqs).nThreads(threads).kvUnified(true);
            if (cutAfterFinalNorm) params.evalHook(cut);
            MemorySegment ctx = Llama.contextInit(model.handle(), params);
            MemorySegment memory = Llama.contextMemory(ctx);
            try {
                long start = System.nanoTime();
                for (int[][] prompts : batches) {
                    batch.clear();
                    for (int s = 0; s < prompts.length; s++) {
                        for (int p = 0; p < prompts[s].length; p++) {
                            batch.add(prompts[s][p], p, s, allOutputs || p == prompts[s].length - 1);
                        }
                    }
                    Llama.memoryClear(memory, false);
                    if (Llama.decode(ctx, batch) != 0) throw new IllegalStateException("decode failed");
                }
                return (System.nanoTime() - start) / 1e9;
            } finally {
                Llama.contextFree(ctx);
            }
        }
    }

    static double oneSequence(LoadedModel model, List<int[][]> batches, int batchTokens, int threads) {
        try (Arena arena = Arena.ofConfined(); Batch batch = new Batch(batchTokens)) {
            ContextParams params = new ContextParams(arena).nCtx(batchTokens).nBatch(batchTokens).nUbatch(batchTokens)
                    .nSeqMax(1).nThreads(threads);
            MemorySegment ctx = Llama.contextInit(model.handle(), params);
            MemorySegment memory = Llama.contextMemory(ctx);
            try {
                long start = System.nanoTime();
                for (int[][] prompts : batches) {
                    batch.clear();
                    int tokens = Arrays.stream(prompts).mapToInt(p -> p.length).sum();
                    int position = 0;
                    for (int[] prompt : prompts) {
                        for (int token : prompt) {
                            batch.add(token, position, 0, position == tokens - 1);
                            position++;
                        }
                    }
                    Llama.memoryClear(memory, false);
                    if (Llama.decode(ctx, batch) != 0) throw new IllegalStateException("decode failed");
                }
                return (System.nanoTime() - start) / 1e9;
            } finally {
                Llama.contextFree(ctx);
            }
        }
    }

    private static final byte[] FINAL_NORM = "result_norm".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The cut: observe result_norm only, and once it is computed abort the graph (the hook returns false). */
    private static boolean isFinalNorm(long tensor, byte[] name) {
        int length = Ggml.tensorName(tensor, name);
        return Arrays.equals(name, 0, length, FINAL_NORM, 0, FINAL_NORM.length);
    }

    static double capture(LoadedModel model, List<int[][]> batches, int batchTokens, int maxSeqs, int threads,
            Set<Pooling> poolings) {
        try (BatchDecoder decoder = new BatchDecoder(model, batchTokens, maxSeqs, threads, poolings)) {
            int[] flat = new int[batchTokens];
            int[] lengths = new int[maxSeqs];
            long start = System.nanoTime();
            for (int[][] prompts : batches) {
                int offset = 0;
                for (int s = 0; s < prompts.length; s++) {
                    System.arraycopy(prompts[s], 0, flat, offset, prompts[s].length);
                    lengths[s] = prompts[s].length;
                    offset += lengths[s];
                }
                decoder.decode(prompts.length, flat, lengths);
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    interface Timed {
        double seconds();
    }

    record Mode(String name, Timed run) {}

    static double median(double[] seconds) {
        double[] t = seconds.clone();
        Arrays.sort(t);
        return t[t.length / 2];
    }

    static long peakRssKiB() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }
}
