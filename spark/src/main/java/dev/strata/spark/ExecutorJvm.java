package dev.strata.spark;

import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;

/**
 * What an executor JVM keeps for all the tasks it runs: llama.cpp, loaded once, and the models it has loaded. Native
 * handles cannot travel with a task (a MethodHandle is not serializable), so tasks carry paths and find the loaded
 * things here.
 */
final class ExecutorJvm {
    private static Extraction extraction;

    private ExecutorJvm() {}

    /** The in-process extraction of this JVM, made by the first task that needs it. */
    static synchronized Extraction extraction(String version) {
        if (extraction == null) extraction = new Extractor(version);
        return extraction;
    }

    /** Frees the loaded models; for a driver that ran the tasks itself (local mode) and is done with them. */
    static synchronized void release() {
        if (extraction != null) extraction.close();
        extraction = null;
    }
}
