package dev.strata.spark;

import dev.strata.extract.Extraction;
import dev.strata.extract.Extractor;
import dev.strata.plan.TaskContext;
import java.util.OptionalInt;
import org.apache.spark.resource.ResourceInformation;

/**
 * What a task gets on a Spark executor: as many llama.cpp and k-NN threads as Spark reserved cores for it
 * ({@code spark.task.cpus}), the GPU Spark assigned to it ({@code spark.task.resource.gpu.amount}), and the executor
 * JVM's in-process extraction. Progress is reported per task, on the driver, so batches report nothing here.
 */
final class SparkTaskContext implements TaskContext {
    private final org.apache.spark.TaskContext spark;
    private final Extraction extraction;

    SparkTaskContext(org.apache.spark.TaskContext spark, Extraction extraction) {
        this.spark = spark;
        this.extraction = extraction;
    }

    @Override
    public int threads() {
        return spark.cpus();
    }

    /** The first GPU address Spark assigned: an index, as gpu-discovery.sh lists them (nvidia-smi's). */
    @Override
    public OptionalInt gpu() {
        ResourceInformation gpus = spark.resourcesJMap().get("gpu");
        if (gpus == null || gpus.addresses().length == 0) return OptionalInt.empty();
        String address = gpus.addresses()[0].strip();
        try {
            return OptionalInt.of(Integer.parseInt(address));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Spark assigned the GPU address '" + address + "', which is not a"
                    + " GPU's index; the GPU discovery script must list indices, as spark/src/main/sh/gpu-discovery.sh"
                    + " does");
        }
    }

    @Override
    public Extraction extraction() {
        return extraction;
    }

    @Override
    public Extractor.Progress progress() {
        return (promptsDone, promptsTotal, tokens, nanos) -> {};
    }
}
