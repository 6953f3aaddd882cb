package dev.strata.knn;

/**
 * Whether the CUDA k-NN backend can run on this machine: the backend, or the one-line reason it cannot.
 * The backend lives in {@code dev.strata.knn.cuda}, which builds on this package; {@link KnnBackends}
 * finds it through {@link Source} and {@link java.util.ServiceLoader}, so this package never imports it.
 */
public sealed interface CudaProbe {
    /** The CUDA libraries load and device 0 is usable. */
    record Available(KnnBackend backend) implements CudaProbe {}

    /** No CUDA backend here, and why (e.g. which libraries were not found where). */
    record Unavailable(String reason) implements CudaProbe {}

    /** What the CUDA package provides (listed in META-INF/services). Implementations never throw. */
    interface Source {
        CudaProbe probe();
    }
}
