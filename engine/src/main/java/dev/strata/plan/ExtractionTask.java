package dev.strata.plan;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.extract.NonFiniteActivationsException;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Extracts one model's activations into its folder, resuming what is there (a finished extraction is reused; the
 * batches of finished shards, {@link ShardTask}, are merged rather than decoded again), and
 * checks that they are finite: neighbours of NaN or infinite vectors are undefined, so a model that has them fails
 * here, with the counts, and keeps its extraction for inspection.
 *
 * @param model           the model's display name, for messages
 * @param modelFile       the GGUF file
 * @param corpus          the prompts; a corpus that cannot be read fails the task, whatever {@code failureIsResult}
 * @param dir             the model's folder
 * @param pooling         the pooling whose file the study reads, checked to be finite
 * @param failureIsResult when true, a model that cannot be extracted gives a result that says why instead of
 *                        failing the stage (the study then leaves it out)
 */
public record ExtractionTask(String model, String modelFile, CorpusSource corpus, String dir, ExtractOptions options,
        Pooling pooling, boolean failureIsResult) implements Task<ExtractionTask.Done> {
    /**
     * What an extraction did; tokens, truncated and seconds count this run only.
     *
     * @param failure why the model could not be extracted (without its file name); null when it was
     */
    public record Done(int prompts, long tokens, int truncated, double seconds, boolean reused, String failure)
            implements TaskResult {
        public boolean failed() {
            return failure != null;
        }

        /** The result of a task that could not extract {@code modelFile}: why, without the file's name. */
        static Done failedWith(Exception e, String modelFile) {
            String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            return new Done(0, 0, 0, 0, false, message.startsWith(modelFile + ": ")
                    ? message.substring(modelFile.length() + 2) : message);
        }
    }

    @Override
    public String describe() {
        return "extract " + model;
    }

    @Override
    public Done run(TaskContext context) throws IOException {
        Corpus prompts = corpus.read();
        ExtractOptions placed = context.placed(options);
        try {
            Extractor.Result r = context.extraction().run(Path.of(modelFile), prompts, Path.of(dir),
                    placed, IfExists.RESUME, context.progress());
            requireFinite(Path.of(dir).resolve(pooling.fileName()));
            return new Done(r.prompts(), r.tokens(), r.truncated(), r.seconds(), r.alreadyComplete(), null);
        } catch (IOException | RuntimeException e) {
            if (!failureIsResult) throw e;
            return Done.failedWith(e, modelFile);
        }
    }

    private void requireFinite(Path activations) throws IOException {
        ActivationsMetadata metadata;
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            metadata = file.metadata();
        }
        long total = metadata.nonFiniteTotal();
        if (total > 0) {
            List<String> affected = new ArrayList<>();
            metadata.nonFiniteValues().forEach((tensor, count) -> {
                if (count > 0) affected.add(tensor + ": " + count);
            });
            String listed = affected.size() <= 4 ? String.join(", ", affected)
                    : String.join(", ", affected.subList(0, 3)) + ", ... " + affected.getLast();
            throw new NonFiniteActivationsException(model + ": its activations hold " + total
                    + " non-finite values (NaN or Inf; " + listed + "); k-NN and the comparisons need finite vectors,"
                    + " so the study stops here and keeps the extraction in " + activations.getParent());
        }
    }
}
