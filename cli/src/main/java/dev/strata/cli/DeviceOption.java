package dev.strata.cli;

import dev.strata.knn.KnnBackends;
import picocli.CommandLine.Option;

/** --device: where k-NN runs, shared by knn and study. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "where k-NN runs (default: auto, which is the CPU until the GPU backend is validated)")
    KnnBackends.Device device;
}
