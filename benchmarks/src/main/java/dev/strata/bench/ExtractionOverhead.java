package dev.strata.bench;

import dev.strata.bindings.Batch;
import dev.strata.bindings.ContextParams;
import dev.strata.bindings.Llama;
import dev.strata.corpus.Corpus;
import dev.strata.extract.BatchDecoder;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.LoadedModel;
import dev.strata.extract.PromptPacker;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Capture overhead: tokens per second of strata's capturing decode against plain llama.cpp decode loops over the
 * same model, prompts, batches and threads, in one process. Modes:
 * <ul>
 *   <li>plain-last: no callback, only each prompt's last token is an output (what an embedding user runs);</li>
 *   <li>plain-all: no callback, every token an output (the same rows as capture keeps, plus the LM head);</li>
 *   <li>capture: strata's BatchDecoder: callback, every block copied and pooled, graph cut after the final norm.</li>
 * </ul>
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
            double plainLast = median(repeats, () -> plain(model, batches, batchTokens, maxSeqs, threads, false));
            double plainAll = median(repeats, () -> plain(model, batches, batchTokens, maxSeqs, threads, true));
            double capture = median(repeats, () -> capture(model, batches, batchTokens, maxSeqs, threads));
            System.out.printf(Locale.ROOT, "%-11s %10s %10s%n", "mode", "tok/s", "vs plain-last");
            for (var row : List.of(new Object[] {"plain-last", plainLast}, new Object[] {"plain-all", plainAll},
                    new Object[] {"capture", capture})) {
                double seconds = (double) row[1];
                System.out.printf(Locale.ROOT, "%-11s %10.1f %+9.1f%%%n", row[0], tokens / seconds,
                        100 * (seconds / plainLast - 1));
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

    static double plain(LoadedModel model, List<int[][]> batches, int batchTokens, int maxSeqs, int threads, boolean allOutputs) {
        try (Arena arena = Arena.ofConfined(); Batch batch = new Batch(batchTokens)) {
            ContextParams params = new ContextParams(arena).nCtx(batchTokens).nBatch(batchTokens).nUbatch(batchTokens)
                    .nSeqMax(maxSeqs).nThreads(threads).kvUnified(true);
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

    static double capture(LoadedModel model, List<int[][]> batches, int batchTokens, int maxSeqs, int threads) {
        try (BatchDecoder decoder = new BatchDecoder(model, batchTokens, maxSeqs, threads)) {
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

    static double median(int repeats, Timed run) {
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) t[i] = run.seconds();
        Arrays.sort(t);
        return t[repeats / 2];
    }

    static long peakRssKiB() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }
}
