package dev.strata.plan;

import java.io.IOException;
import java.io.Serializable;

/**
 * One unit of a study's work that any {@link Executor} may run, in this process or on another machine that sees the
 * study's folder. A task holds only serializable data (paths as strings, options records) and is idempotent: it
 * writes its outputs aside and renames them into place, returns quickly when they are already complete and valid,
 * and a duplicate run (a retry, a speculative copy) writes the same bytes.
 *
 * @param <R> what the task gives back to the driver
 */
public interface Task<R extends TaskResult> extends Serializable {
    /** What this task does, for progress and errors: "extract qwen2.5", with its model and shard. */
    String describe();

    /** Does the work with what the executor provides. */
    R run(TaskContext context) throws IOException;
}
