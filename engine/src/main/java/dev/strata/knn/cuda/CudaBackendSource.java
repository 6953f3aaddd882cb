package dev.strata.knn.cuda;

import dev.strata.knn.CudaProbe;

/** How {@link dev.strata.knn.KnnBackends} finds the CUDA backend (registered in META-INF/services). */
public final class CudaBackendSource implements CudaProbe.Source {
    @Override
    public CudaProbe probe() {
        return CudaKnnBackend.probe();
    }
}
