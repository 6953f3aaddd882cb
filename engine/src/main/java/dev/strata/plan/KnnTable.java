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
 * checksum), this k and this view; otherwise computed as one {@link KnnLayerTask} per layer, anywhere, and put
 * together here into the files {@link KnnRunner#run} writes.
 *
 * @param model          the model's display name, for messages
 * @param activationsSha the activations' SHA-256
 * @param knn            the table (its sidecar goes beside it)
 */
public record KnnTable(String model, Path activations, String activationsSha, Path knn, int k, LayerView.Kind view,
        KnnBackends.Device device) {
    /** Whether the table there is the one these activations, k and view give. */
    public boolean upToDate() throws IOException {
        if (!Files.isRegularFile(knn)) return false;
        Optional<KnnSidecar> sidecar = KnnSidecar.readBeside(knn);
        if (sidecar.isEmpty()) return false;
        KnnSidecar s = sidecar.get();
        return Integer.valueOf(k).equals(s.k()) && view.toString().equals(s.view())
                && activationsSha.equals(s.sourceSha256());
    }

    /** One task per layer of the view. */
    public List<KnnLayerTask> tasks() throws IOException {
        int layers = KnnRunner.layers(activations, view);
        List<KnnLayerTask> tasks = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            tasks.add(new KnnLayerTask(model, activations.toString(),
                    parts().resolve(String.format("layer-%03d.npy", layer)).toString(), layer, layers, k, view, device));
        }
        return tasks;
    }

    /** Writes the table and its sidecar from the parts its {@link #tasks()} wrote, then removes the parts. */
    public KnnRunner.Summary write(List<KnnLayerTask> tasks, List<KnnLayerTask.Done> done, long startNanos)
            throws IOException {
        List<int[]> layers = new ArrayList<>();
        for (KnnLayerTask task : tasks) layers.add(Npy.read(Path.of(task.part())).ints());
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
