package dev.strata.knn;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import dev.strata.io.Npy;
import dev.strata.io.Sha256;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** The sidecar path for an output file: {@code knn.npy} gets {@code knn.npy.json}. */
    public static Path sidecarOf(Path out) {
        return out.resolveSibling(out.getFileName() + ".json");
    }

    /** Computes and writes the neighbours; progress lines go to {@code progress} unless quiet. */
    public static Summary run(Path activations, Path out, Options options, PrintStream progress) throws IOException {
        long start = System.nanoTime();
        KnnBackends.Selection selection = KnnBackends.select(options.device(), options.threads());
        KnnBackend backend = selection.backend();
        if (!options.quiet()) selection.note().ifPresent(progress::println);
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            LayerView view = LayerView.of(file, options.view());
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

            Map<String, Object> sidecar = new LinkedHashMap<>();
            sidecar.put("layers", view.names());
            sidecar.put("view", view.kind().toString());
            sidecar.put("n", n);
            sidecar.put("k", k);
            sidecar.put("dim", view.dim());
            sidecar.put("source", activations.getFileName().toString());
            sidecar.put("source_sha256", Sha256.of(activations));
            // Provenance copied from the activations' metadata when recorded.
            ActivationsMetadata metadata = file.metadata();
            if (metadata.corpusSha256() != null) sidecar.put("corpus_sha256", metadata.corpusSha256());
            if (metadata.model() != null) sidecar.put("model", metadata.model());
            sidecar.put("backend", backend.describe());
            Path sidecarPath = sidecarOf(out);
            AtomicFile.writeString(sidecarPath, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(sidecar) + "\n");
            return new Summary(out, sidecarPath, view.names(), n, k, backend.describe(), seconds(start));
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
