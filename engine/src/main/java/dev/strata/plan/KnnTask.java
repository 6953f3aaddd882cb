package dev.strata.plan;

import dev.strata.io.Sha256;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.KnnSidecar;
import dev.strata.knn.LayerView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The k-NN table of one model's activations at one k, every layer, or the table already there when its sidecar says
 * it came from these activations (by checksum), this k and this view.
 *
 * @param model       the model's display name, for messages
 * @param activations the activations file
 * @param knn         the table to write (its sidecar goes beside it)
 */
public record KnnTask(String model, String activations, String knn, int k, LayerView.Kind view,
        KnnBackends.Device device) implements Task<KnnTask.Done> {
    /**
     * What the task did.
     *
     * @param layers  layers in the table
     * @param backend what computed it; null when reused
     */
    public record Done(boolean reused, int layers, int n, int k, String backend, double seconds) implements TaskResult {}

    @Override
    public String describe() {
        return "knn " + model + " k=" + k;
    }

    @Override
    public Done run(TaskContext context) throws IOException {
        Path table = Path.of(knn);
        Path source = Path.of(activations);
        if (upToDate(table, source)) return new Done(true, 0, 0, k, null, 0);
        KnnRunner.Summary s = KnnRunner.run(source, table, new KnnRunner.Options(k, view, device, context.threads(),
                true), System.err);
        return new Done(false, s.layers().size(), s.n(), s.k(), s.backend(), s.seconds());
    }

    private boolean upToDate(Path table, Path source) throws IOException {
        if (!Files.isRegularFile(table)) return false;
        Optional<KnnSidecar> sidecar = KnnSidecar.readBeside(table);
        if (sidecar.isEmpty()) return false;
        KnnSidecar s = sidecar.get();
        return Integer.valueOf(k).equals(s.k()) && view.toString().equals(s.view())
                && Sha256.of(source).equals(s.sourceSha256());
    }
}
