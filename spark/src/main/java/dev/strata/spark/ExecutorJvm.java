package dev.strata.spark;

import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.extract.ModelCache;

/**
 * What an executor JVM keeps for all the tasks it runs: llama.cpp, loaded once, and the model it loaded last. Native
 * handles cannot travel with a task (a MethodHandle is not serializable), so tasks carry paths and find the loaded
 * things here.
 */
final class ExecutorJvm {
    private static Extraction extraction;
    private static ModelCache models;

    private ExecutorJvm() {}

    /** The in-process extraction of this JVM, made by the first task that needs it. */
    static synchronized Extraction extraction(String version) {
        if (extraction == null) {
            models = new ModelCache();
            extraction = new Extractor(version, models);
        }
        return extraction;
    }

    /** Frees the loaded models; for a driver that ran the tasks itself (local mode) and is done with them. */
    static synchronized void release() {
        if (extraction != null) extraction.close();
        if (models != null) models.close();
        extraction = null;
        models = null;
    }
}
