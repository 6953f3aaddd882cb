package dev.strata.plan;

import dev.strata.io.Npy;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.KnnSidecar;
import dev.strata.knn.LayerView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One k-NN table of a study, on the driver: reused when its sidecar says it came from these activations (by
 * checksum), this k and this view; otherwise computed as one {@link KnnLayerTask} per layer (or per block of a
 * layer's rows), anywhere, and put together here into the files {@link KnnRunner#run} writes.
 *
 * @param model          the model's display name, for messages
 * @param activationsSha the activations' SHA-256
 * @param knn            the table (its sidecar goes beside it)
 * @param blockRows      a layer of more rows than this is split into tasks of this many rows; 0: never
 */
public record KnnTable(String model, Path activations, String activationsSha, Path knn, int k, LayerView.Kind view,
        KnnBackends.Device device, int blockRows) {
    /** Whether the table there is the one these activations, k and view give. */
    public boolean upToDate() throws IOException {
        if (!Files.isRegularFile(knn)) return false;
        Optional<KnnSidecar> sidecar = KnnSidecar.readBeside(knn);
        if (sidecar.isEmpty()) return false;
        KnnSidecar s = sidecar.get();
        return Integer.valueOf(k).equals(s.k()) && view.toString().equals(s.view())
                && activationsSha.equals(s.sourceSha256());
    }

    /** One task per layer of the view, or per block of {@link #blockRows} rows of each layer when it has more. */
    public List<KnnLayerTask> tasks() throws IOException {
        int layers = KnnRunner.layers(activations, view);
        int rows = KnnRunner.rows(activations, view);
        int block = blockRows > 0 && rows > blockRows ? blockRows : rows;
        List<KnnLayerTask> tasks = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            for (int from = 0; from < rows; from += block) {
                String part = block == rows ? String.format("layer-%03d.npy", layer)
                        : String.format("layer-%03d-rows-%09d.npy", layer, from);
                tasks.add(new KnnLayerTask(model, activations.toString(), parts().resolve(part).toString(), layer,
                        layers, from, Math.min(rows, from + block), rows, k, view, device));
            }
        }
        return tasks;
    }

    /** Writes the table and its sidecar from the parts its {@link #tasks()} wrote, then removes the parts. */
    public KnnRunner.Summary write(List<KnnLayerTask> tasks, List<KnnLayerTask.Done> done, long startNanos)
            throws IOException {
        List<int[]> layers = new ArrayList<>();
        for (KnnLayerTask task : tasks) {
            int[] part = Npy.read(Path.of(task.part())).ints();
            if (part.length != (task.to() - task.from()) * k) {
                throw new IOException(task.part() + ": holds " + part.length + " neighbours, expected "
                        + (task.to() - task.from()) + " rows x k = " + k);
            }
            if (task.from() == 0) layers.add(new int[task.rows() * k]);
            System.arraycopy(part, 0, layers.getLast(), task.from() * k, part.length);
        }
        String backend = done.stream().map(KnnLayerTask.Done::backend).filter(b -> b != null).findFirst()
                .orElse("not recorded (parts of an earlier run)");
        KnnRunner.Summary summary = KnnRunner.write(activations, knn, k, view, layers, backend, startNanos);
        Path all = parts().getParent();
        try (Stream<Path> files = Files.walk(all)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(file);
        }
        return summary;
    }

    /** The folder of this table's parts; named by the activations' checksum and the view, so parts never go stale. */
    private Path parts() {
        return knn.resolveSibling("." + knn.getFileName() + ".parts")
                .resolve(activationsSha.substring(0, 16) + "-" + view);
    }
}
