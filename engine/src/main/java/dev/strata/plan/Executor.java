package dev.strata.plan;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the independent tasks of a study's stage: in any order, with any parallelism, on any machine that sees the
 * study's folder. The driver runs the stages in order and does the cheap work between them itself.
 */
public interface Executor extends AutoCloseable {
    /**
     * Runs {@code tasks} and returns their results in task order. A task that fails ends the stage with an exception
     * that names it: locally the task's own exception (its message names the model), on a cluster one that names the
     * task's {@link Task#describe()} and the host it failed on.
     *
     * @param stage what the tasks do together ("extract", "knn"), for progress and errors
     */
    <R extends TaskResult> List<R> run(String stage, List<? extends Task<R>> tasks, StageProgress<? super R> progress)
            throws IOException;

    /**
     * What this executor's tasks carry of {@code corpus}: the corpus itself, where they run in this process; a
     * {@link dev.strata.corpus.CorpusCopy} written into {@code studyFolder}, which every machine sees, where they
     * travel to other machines.
     */
    default CorpusSource corpusForTasks(Corpus corpus, Path studyFolder) throws IOException {
        return corpus;
    }

    /**
     * At most how many rows of a layer one k-NN task takes; 0, the default: a whole layer, which one machine computes
     * fastest (a block of rows cannot use the symmetry of the similarities, and costs up to twice the dot products).
     * A cluster splits large layers so that more machines share them.
     */
    default int knnBlockRows() {
        return 0;
    }

    /** Releases what runs the tasks (a worker process, a cluster connection). */
    @Override
    void close();
}
