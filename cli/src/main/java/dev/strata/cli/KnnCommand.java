package dev.strata.cli;

import dev.strata.knn.KnnRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strata knn}: exact cosine k nearest neighbours of every layer of an activations file. */
@Command(name = "knn", mixinStandardHelpOptions = true,
        description = "Exact cosine k nearest neighbours per layer; writes int32 [layers, n, k] .npy and <out>.json.")
public final class KnnCommand implements Callable<Integer> {
    @Option(names = "--activations", required = true, paramLabel = "FILE",
            description = "safetensors file with layers.<i> and final_norm tensors (n x D each)")
    Path activations;

    @Option(names = "-k", required = true, paramLabel = "K", description = "neighbours per prompt")
    int k;

    @Option(names = "--out", required = true, paramLabel = "KNN.npy", description = "output .npy (sidecar: <out>.json)")
    Path out;

    @Mixin
    ViewOption view;

    @Mixin
    DeviceOption device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (default: all cores)")
    int threads;

    @Option(names = "--quiet", description = "no progress lines on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        KnnRunner.Options options = new KnnRunner.Options(k, view.kind, device.device,
                threads, quiet);
        KnnRunner.Summary summary = KnnRunner.run(activations, out, options, System.err);
        if (!quiet) {
            System.err.printf("knn: wrote %s and %s (%d layers, n=%d, k=%d) in %.1fs%n", summary.npy(),
                    summary.sidecar().getFileName(), summary.layers().size(), summary.n(), summary.k(), summary.seconds());
        }
        return 0;
    }
}
