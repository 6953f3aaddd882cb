package dev.strata.plan;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.ExtractionShard;
import dev.strata.extract.Extractor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Extracts one shard of a model's activations beside its folder, for the model's {@link ExtractionTask} to merge
 * into the files an unsharded extraction writes. A finished shard, or a merged folder, is left as it is.
 *
 * @param shards          how many shards the model has, for messages
 * @param failureIsResult as in {@link ExtractionTask}
 */
public record ShardTask(String model, String modelFile, CorpusSource corpus, String dir, ExtractOptions options,
        ExtractionShard shard, int shards, boolean failureIsResult) implements Task<ExtractionTask.Done> {
    /** The model and which shard of it: "qwen2.5 shard 3/8". */
    public String label() {
        return model + " shard " + (shard.index() + 1) + "/" + shards;
    }

    @Override
    public String describe() {
        return "extract " + label();
    }

    @Override
    public ExtractionTask.Done run(TaskContext context) throws IOException {
        Corpus prompts = corpus.read();
        ExtractOptions placed = context.placed(options);
        try {
            Extractor.Result r = context.extraction().runShard(Path.of(modelFile), prompts, Path.of(dir),
                    placed, shard, context.progress());
            return new ExtractionTask.Done(r.prompts(), r.tokens(), r.truncated(), r.seconds(), r.alreadyComplete(),
                    null);
        } catch (IOException | RuntimeException e) {
            if (!failureIsResult) throw e;
            return ExtractionTask.Done.failedWith(e, modelFile);
        }
    }
}
