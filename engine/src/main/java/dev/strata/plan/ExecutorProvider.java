package dev.strata.plan;

import java.io.IOException;

/**
 * A {@link java.util.ServiceLoader} service that opens an {@link Executor} on a cluster, so that this module never
 * links against a cluster engine: the engine's classes are loaded only when a provider is on the class path and a
 * study asks for it ({@link ExecutorProviders#open}).
 */
public interface ExecutorProvider {
    /** Whether this provider runs tasks at {@code master} (a Spark master URL such as spark://HOST:PORT or local[2]). */
    boolean accepts(String master);

    /** Connects to {@code master}; the executor is closed by the caller. */
    Executor open(String master, ExecutorSettings settings) throws IOException;
}
