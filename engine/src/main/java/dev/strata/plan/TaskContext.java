package dev.strata.plan;

import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import java.util.OptionalInt;

/** What an {@link Executor} gives the task it runs. */
public interface TaskContext {
    /** CPU threads the task may use, for llama.cpp and k-NN (on a cluster: the cores the scheduler gave it). */
    int threads();

    /** The GPU the scheduler assigned to this task; empty when none was (locally, unless the user chose one). */
    OptionalInt gpu();

    /**
     * Where llama.cpp runs. Locally a supervised worker process (or this process when asked); on a cluster an
     * in-process extractor per executor process, its loaded models kept for the tasks that follow.
     */
    Extraction extraction();

    /** Receives the task's per-batch extraction progress. */
    Extractor.Progress progress();

    /**
     * {@code options} as this task runs them: with its {@link #threads()}, and on its {@link #gpu()} alone when the
     * scheduler assigned one (neither is in the options' fingerprint).
     */
    default ExtractOptions placed(ExtractOptions options) {
        ExtractOptions withThreads = options.withThreads(threads());
        return gpu().isPresent() ? withThreads.withGpu(gpu().getAsInt()) : withThreads;
    }
}
