package dev.strata.knn;

import dev.strata.io.Npy;
import dev.strata.io.Sha256;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs k-NN on every layer of a view of an activations file and writes {@code out} (int32 .npy of
 * shape [layers, n, k]) and the sidecar {@code out + ".json"} describing it, both atomically; or one layer at a time
 * ({@link #layer}), on any machine, for {@link #write} to put together into the same files.
 */
public final class KnnRunner {
    /** How to run. {@code threads} 0 means all processors. */
    public record Options(int k, LayerView.Kind view, KnnBackends.Device device, int threads, boolean quiet) {}

    /** What was written. */
    public record Summary(Path npy, Path sidecar, List<String> layers, int n, int k, String backend, double seconds) {}

    /** One layer's neighbours, or a block of its rows': rows x k indices, row-major, and what computed them. */
    public record Layer(int[] neighbours, int rows, String backend, double seconds) {}

    private KnnRunner() {}

    /** Computes and writes the neighbours; progress lines go to {@code progress} unless quiet. */
    public static Summary run(Path activations, Path out, Options options, PrintStream progress) throws IOException {
        long start = System.nanoTime();
        KnnBackends.Selection selection = KnnBackends.select(options.device(), options.threads());
        KnnBackend backend = selection.backend();
        if (!options.quiet()) selection.note().ifPresent(progress::println);
        List<int[]> layers = new ArrayList<>();
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            LayerView view = LayerView.of(file, options.view());
            view.requireFinite();
            requireFits(view, options.k());
            for (int layer = 0; layer < view.size(); layer++) {
                long layerStart = System.nanoTime();
                layers.add(backend.nearest(view.layer(layer), options.k()));
                if (!options.quiet()) {
                    progress.printf("knn: layer %d/%d %s (n=%d, D=%d, k=%d) %.2fs on %s%n", layer + 1, view.size(),
                            view.names().get(layer), view.rows(), view.dim(), options.k(), seconds(layerStart),
                            backend.describe());
                }
            }
        }
        return write(activations, out, options.k(), options.view(), layers, backend.describe(), start);
    }

    /**
     * The neighbours of rows [from, to) of layer {@code layer} of the view, among all its rows (for one task of many;
     * see {@link #write}).
     */
    public static Layer layer(Path activations, int layer, int from, int to, Options options) throws IOException {
        long start = System.nanoTime();
        KnnBackend backend = KnnBackends.select(options.device(), options.threads()).backend();
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            LayerView view = LayerView.of(file, options.view());
            view.requireFinite(layer);
            requireFits(view, options.k());
            int[] neighbours = from == 0 && to == view.rows() ? backend.nearest(view.layer(layer), options.k())
                    : backend.nearest(view.layer(layer), options.k(), from, to);
            return new Layer(neighbours, to - from, backend.describe(), seconds(start));
        }
    }

    /** How many layers the view of {@code activations} has: the layer tasks a table takes. */
    public static int layers(Path activations, LayerView.Kind kind) throws IOException {
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            return LayerView.of(file, kind).size();
        }
    }

    /** How many rows (prompts) each layer of the view of {@code activations} has. */
    public static int rows(Path activations, LayerView.Kind kind) throws IOException {
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            return LayerView.of(file, kind).rows();
        }
    }

    /**
     * Writes the table of {@code layers} (every layer of the view, in order, as {@link #layer} computed them) and its
     * sidecar: the same files {@link #run} writes.
     *
     * @param backend   what computed the neighbours
     * @param startNanos when the work began, for the summary's seconds
     */
    public static Summary write(Path activations, Path out, int k, LayerView.Kind kind, List<int[]> layers,
            String backend, long startNanos) throws IOException {
        try (ActivationsFile file = ActivationsFile.open(activations)) {
            LayerView view = LayerView.of(file, kind);
            requireFits(view, k);
            int n = view.rows();
            if (layers.size() != view.size()) {
                throw new IllegalArgumentException(layers.size() + " layers of neighbours for the " + view.size()
                        + " layers of " + activations);
            }
            int[] all = new int[view.size() * n * k];
            for (int layer = 0; layer < view.size(); layer++) {
                int[] neighbours = layers.get(layer);
                if (neighbours.length != n * k) {
                    throw new IllegalArgumentException("layer " + layer + " has " + neighbours.length
                            + " neighbours, expected " + n + " x " + k);
                }
                System.arraycopy(neighbours, 0, all, layer * n * k, neighbours.length);
            }
            Npy.writeInt32(out, all, view.size(), n, k);

            ActivationsMetadata metadata = file.metadata();
            Path sidecar = new KnnSidecar(view.names(), view.kind().toString(), n, k, view.dim(),
                    activations.getFileName().toString(), Sha256.of(activations), metadata.corpusSha256(),
                    metadata.model(), backend).writeBeside(out);
            return new Summary(out, sidecar, view.names(), n, k, backend, seconds(startNanos));
        }
    }

    private static void requireFits(LayerView view, int k) {
        long total = (long) view.size() * view.rows() * k;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(view.size() + " layers x " + view.rows() + " rows x k = " + k
                    + " neighbours are too many for one output array");
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
