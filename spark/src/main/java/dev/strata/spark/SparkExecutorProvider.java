package dev.strata.spark;

import dev.strata.plan.Executor;
import dev.strata.plan.ExecutorProvider;
import dev.strata.plan.ExecutorSettings;

/**
 * Runs a study's tasks on Apache Spark at any master Spark itself takes: {@code local[N]} (one JVM, for tests and
 * laptops), {@code local-cluster[...]}, a standalone {@code spark://HOST:PORT}, {@code yarn} or {@code k8s://...}.
 */
public final class SparkExecutorProvider implements ExecutorProvider {
    @Override
    public boolean accepts(String master) {
        return master.equals("local") || master.startsWith("local[") || master.startsWith("local-cluster[")
                || master.startsWith("spark://") || master.equals("yarn") || master.startsWith("k8s://");
    }

    @Override
    public Executor open(String master, ExecutorSettings settings) {
        return SparkExecutor.open(master, settings);
    }
}
