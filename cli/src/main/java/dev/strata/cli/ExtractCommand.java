package dev.strata.cli;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.store.IfExists;
import dev.strata.store.StoreExistsException;
import dev.strata.store.StoreMismatchException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `strata extract`: per-layer activations of one model over a corpus, stored as safetensors. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Run a corpus through a GGUF model and store one vector per prompt per layer.",
                "Writes activations-last.safetensors, activations-mean.safetensors (see --pooling), prompts.jsonl and",
                "manifest.json into --out. Checkpoints after every batch: --resume continues a killed run.",
                "llama.cpp runs in a worker process: a model that makes it abort ends the worker, not strata."})
final class ExtractCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL.gguf", description = "the GGUF model")
    Path model;

    @Mixin
    CorpusOptions corpus;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Mixin
    ExtractionOptions extraction;

    @Option(names = "--pooling", defaultValue = "both", paramLabel = "both|all|POOLING[,POOLING...]",
            description = "the poolings to store: both (default: last and mean, the paper's), all, or any of last, mean"
                    + " and mean-skip-first (the mean without the first token, BOS where the model adds one) joined by"
                    + " commas; last alone is faster and needs less memory: llama.cpp then runs the last block and keeps"
                    + " logits for each prompt's last token only")
    StoredPoolings pooling;

    @Option(names = "--resume", description = "continue the checkpointed run in --out (a finished run is left as it is)")
    boolean resume;

    @Option(names = "--overwrite", description = "replace a finished or unfinished run in --out")
    boolean overwrite;

    @Option(names = "--quiet", description = "no progress on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite contradict each other");
        IfExists ifExists = resume ? IfExists.RESUME : overwrite ? IfExists.OVERWRITE : IfExists.REFUSE;
        ExtractOptions options = extraction.toOptions().withPoolings(pooling.poolings());
        ProgressLine progress = new ProgressLine(quiet, "extract " + model.getFileName());
        Extractor.Result result;
        try (Extraction runner = extraction.extraction(Main.version())) {
            // Loaded once the runner exists: a worker process starts up meanwhile.
            Corpus prompts = corpus.load();
            result = runner.run(model, prompts, out, options, ifExists, progress::update);
        } catch (StoreExistsException e) {
            throw new StoreExistsException(e.getMessage() + "; use --resume to continue it (or check a finished one)"
                    + " or --overwrite to start over");
        } catch (StoreMismatchException e) {
            throw new StoreMismatchException("--resume: " + e.getMessage() + " (use --overwrite to start over)");
        } finally {
            progress.done();
        }
        if (!quiet) {
            if (result.alreadyComplete()) {
                System.err.println("already complete: " + out);
            } else {
                System.err.printf("wrote %s: %d prompts, %d tokens this run, %d cut to --max-tokens, %.1f s%n",
                        out, result.prompts(), result.tokens(), result.truncated(), result.seconds());
            }
        }
        if (result.nonFiniteValues() > 0) {
            System.err.println("warning: " + result.nonFiniteValues() + " non-finite values (NaN or Inf) stored; counts per"
                    + " layer in " + out.resolve("manifest.json") + "; knn and compare refuse these activations");
        }
        return 0;
    }
}
