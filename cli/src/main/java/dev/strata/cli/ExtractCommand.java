package dev.strata.cli;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `strata extract`: per-layer activations of one model over a corpus, stored as safetensors. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Run a corpus through a GGUF model and store one vector per prompt per layer.",
                "Writes activations-last.safetensors, activations-mean.safetensors, prompts.jsonl and manifest.json",
                "into --out. Checkpoints after every batch: --resume continues a killed run."})
final class ExtractCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL.gguf", description = "the GGUF model")
    Path model;

    @Mixin
    CorpusOptions corpus;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Option(names = "--max-tokens", defaultValue = "" + ExtractOptions.DEFAULT_MAX_TOKENS,
            description = "cut prompts to this many tokens, BOS included; cut prompts are recorded (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--batch-tokens", defaultValue = "" + ExtractOptions.DEFAULT_BATCH_TOKENS,
            description = "most tokens decoded together (default ${DEFAULT-VALUE})")
    int batchTokens;

    @Option(names = "--parallel", defaultValue = "" + ExtractOptions.DEFAULT_PARALLEL,
            description = "most prompts decoded together (default ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--gpu-layers", defaultValue = "0",
            description = "blocks to offload to a GPU; -1 for all (default ${DEFAULT-VALUE})")
    int gpuLayers;

    @Option(names = "--resume", description = "continue the checkpointed run in --out (a finished run is left as it is)")
    boolean resume;

    @Option(names = "--overwrite", description = "replace a finished or unfinished run in --out")
    boolean overwrite;

    @Option(names = "--quiet", description = "no progress on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite contradict each other");
        ExtractOptions options = new ExtractOptions(maxTokens, batchTokens, parallel,
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), gpuLayers);
        Corpus prompts = corpus.load();
        ProgressLine progress = new ProgressLine(quiet, "extract " + model.getFileName());
        Extractor.Result result = new Extractor(Main.version()).run(model, prompts, out, options, resume, overwrite,
                progress::update);
        progress.done();
        if (!quiet) {
            if (result.alreadyComplete()) {
                System.err.println("already complete: " + out);
            } else {
                System.err.printf("wrote %s: %d prompts, %d tokens this run, %d cut to --max-tokens, %.1f s%n",
                        out, result.prompts(), result.tokens(), result.truncated(), result.seconds());
            }
        }
        return 0;
    }
}
