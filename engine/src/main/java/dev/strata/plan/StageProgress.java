package dev.strata.plan;

/**
 * What an {@link Executor} tells the driver while a stage runs, by the task's index in the stage. Calls come one at a
 * time; an executor that runs tasks in parallel serializes them. A cluster executor may report whole tasks only.
 *
 * @param <R> the stage's task result
 */
public interface StageProgress<R extends TaskResult> {
    /** Reports nothing. */
    static <R extends TaskResult> StageProgress<R> none() {
        return new StageProgress<>() {};
    }

    /** Task {@code task} has begun. */
    default void started(int task) {}

    /** Per-batch progress of extraction task {@code task}: its prompts done of its total, tokens and time of this run. */
    default void batch(int task, int promptsDone, int promptsTotal, long tokens, long nanos) {}

    /** Task {@code task} has ended with {@code result}. */
    default void finished(int task, R result) {}
}
