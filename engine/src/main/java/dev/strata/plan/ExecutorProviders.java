package dev.strata.plan;

import java.io.IOException;
import java.util.ServiceLoader;

/** Finds the {@link ExecutorProvider} for a cluster's master among those on the class path. */
public final class ExecutorProviders {
    private ExecutorProviders() {}

    /** Opens an executor at {@code master}, or says in one line why there is none; nothing is written either way. */
    public static Executor open(String master, ExecutorSettings settings) throws IOException {
        boolean anyProvider = false;
        for (ExecutorProvider provider : ServiceLoader.load(ExecutorProvider.class,
                ExecutorProvider.class.getClassLoader())) {
            anyProvider = true;
            if (provider.accepts(master)) return provider.open(master, settings);
        }
        throw new IllegalArgumentException(anyProvider
                ? "no executor accepts the master '" + master + "'"
                : "cannot run on '" + master + "': Spark support is not built (make spark builds it)");
    }
}
