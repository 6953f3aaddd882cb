package dev.strata.knn;

import dev.strata.io.Npy;
import dev.strata.io.Sha256;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs k-NN on every layer of a view of an activations file and writes {@code out} (int32 .npy of
 * shape [layers, n, k]) and the sidecar {@code out + ".json"} describing it, both atomically.
 */
public final class KnnRunner {
    /** How to run. {@code threads} 0 means all processors. */
    public record Options(int k, LayerView.Kind view, KnnBackends.Device device, int threads, boolean quiet) {}

    /** What was written. */
    public record Summary(Path npy, Path sidecar, List<String> layers, int n, int k, String backend, double seconds) {}

    private KnnRunner() {}

    /** Computes and writes the neighbours; progress lines go to {@code progress} unless quiet. */
    public static Summary run(Path activations, Path out, Options options, PrintStream progress) throws IOException {
        long start = System.nanoTime();
        KnnBackends.Selection selection = KnnBackends.select(options.device(), options.threads());
        KnnBackend backend = selection.backend();
        if (!options.quiet()) selection.note().ifPresent(progress::println);
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            LayerView view = LayerView.of(file, options.view());
            view.requireFinite();
            int n = view.rows();
            int k = options.k();
            long total = (long) view.size() * n * k;
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(view.size() + " layers x " + n + " rows x k = " + k
                        + " neighbours are too many for one output array");
            }
            int[] all = new int[(int) total];
            for (int layer = 0; layer < view.size(); layer++) {
                long layerStart = System.nanoTime();
                int[] neighbours = backend.nearest(view.layer(layer), k);
                System.arraycopy(neighbours, 0, all, layer * n * k, neighbours.length);
                if (!options.quiet()) {
                    progress.printf("knn: layer %d/%d %s (n=%d, D=%d, k=%d) %.2fs on %s%n", layer + 1, view.size(),
                            view.names().get(layer), n, view.dim(), k, seconds(layerStart), backend.describe());
                }
            }
            Npy.writeInt32(out, all, view.size(), n, k);

            ActivationsMetadata metadata = file.metadata();
            Path sidecar = new KnnSidecar(view.names(), view.kind().toString(), n, k, view.dim(),
                    activations.getFileName().toString(), Sha256.of(activations), metadata.corpusSha256(),
                    metadata.model(), backend.describe()).writeBeside(out);
            return new Summary(out, sidecar, view.names(), n, k, backend.describe(), seconds(start));
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
