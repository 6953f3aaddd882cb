package dev.strata.store;

/** What an extraction does when its directory already holds an extraction, finished or not. */
public enum IfExists {
    /** Stop with {@link StoreExistsException}; an empty or missing directory is simply used. */
    REFUSE,
    /** Continue a checkpointed run, leave a finished one as it is, start one that is not there. */
    RESUME,
    /** Delete what is there and start over. */
    OVERWRITE
}
