package dev.strata.bench;

import dev.strata.io.Npy;
import dev.strata.knn.KnnBackend;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.LayerView;
import dev.strata.knn.RowMatrix;
import dev.strata.store.ActivationsFile;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Times strata's CPU k-NN on the first layer of a view of an activations file, for
 * {@code knn_vs_numpy.py}: prints one line per run ("run 1 2.345 s"), the first including JIT
 * warm-up, and writes the neighbours of the last run as int32 .npy.
 *
 * <p>Usage: {@code KnnTiming FILE K OUT.npy [RUNS] [THREADS]}
 */
public final class KnnTiming {
    private KnnTiming() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int k = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        KnnBackend backend = KnnBackends.cpu(threads);
        System.out.println("backend " + backend.describe());
        try (ActivationsFile activations = ActivationsFile.open(file)) {
            LayerView view = LayerView.of(activations, LayerView.Kind.HF);
            RowMatrix layer = view.layer(0);
            int[] neighbours = null;
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                neighbours = backend.nearest(layer, k);
                System.out.printf(Locale.ROOT, "run %d %.4f s%n", run, (System.nanoTime() - start) / 1e9);
            }
            Npy.writeInt32(out, neighbours, layer.rows(), k);
        }
    }
}
