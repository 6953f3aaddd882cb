package dev.strata.plan;

import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Runs a stage's tasks one after the other in this process, llama.cpp's work through {@code extraction} (a
 * supervised worker process, or this process when asked). A failing task's own exception ends the stage.
 */
public final class LocalExecutor implements Executor {
    private final Extraction extraction;
    private final int threads;

    /**
     * @param extraction where llama.cpp runs; closed with this executor
     * @param threads    CPU threads per task
     */
    public LocalExecutor(Extraction extraction, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.extraction = extraction;
        this.threads = threads;
    }

    @Override
    public <R extends TaskResult> List<R> run(String stage, List<? extends Task<R>> tasks, StageProgress<? super R> progress)
            throws IOException {
        List<R> results = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            int index = i;
            progress.started(index);
            R result = tasks.get(index).run(new Context((done, total, tokens, nanos) ->
                    progress.batch(index, done, total, tokens, nanos)));
            progress.finished(index, result);
            results.add(result);
        }
        return results;
    }

    @Override
    public void close() {
        extraction.close();
    }

    private final class Context implements TaskContext {
        private final Extractor.Progress progress;

        Context(Extractor.Progress progress) {
            this.progress = progress;
        }

        @Override
        public int threads() {
            return threads;
        }

        @Override
        public OptionalInt gpu() {
            return OptionalInt.empty();
        }

        @Override
        public Extraction extraction() {
            return extraction;
        }

        @Override
        public Extractor.Progress progress() {
            return progress;
        }
    }
}
