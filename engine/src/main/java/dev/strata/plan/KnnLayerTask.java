package dev.strata.plan;

import dev.strata.io.Npy;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.LayerView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The neighbours of one layer of one model's activations at one k, or of a block of the layer's rows, written as a
 * part ({@code .npy}, rows x k) for {@link KnnTable} to put together; a part already there is left as it is (its
 * folder names the activations' checksum, so it is from these activations).
 *
 * @param model  the model's display name, for messages
 * @param part   the part to write
 * @param layer  the layer of the view, 0-based
 * @param layers how many the view has, for messages
 * @param from   the first row of the block
 * @param to     the end of the block (exclusive)
 * @param rows   how many rows the layer has: a block of all of them is the whole layer
 */
public record KnnLayerTask(String model, String activations, String part, int layer, int layers, int from, int to,
        int rows, int k, LayerView.Kind view, KnnBackends.Device device) implements Task<KnnLayerTask.Done> {
    /**
     * What the task did.
     *
     * @param backend what computed the neighbours; null when the part was reused
     */
    public record Done(boolean reused, String backend, double seconds) implements TaskResult {}

    /** The model, k, layer and block: "qwen2.5 k=10 layer 3/25", "qwen2.5 k=10 layer 3/25 rows 8192-16383/20000". */
    public String label() {
        return model + " k=" + k + " layer " + (layer + 1) + "/" + layers
                + (from == 0 && to == rows ? "" : " rows " + from + "-" + (to - 1) + "/" + rows);
    }

    @Override
    public String describe() {
        return "knn " + label();
    }

    @Override
    public Done run(TaskContext context) throws IOException {
        Path file = Path.of(part);
        if (Files.isRegularFile(file)) return new Done(true, null, 0);
        KnnRunner.Layer neighbours = KnnRunner.layer(Path.of(activations), layer, from, to,
                new KnnRunner.Options(k, view, device, context.threads(), true));
        Files.createDirectories(file.getParent());
        // Written under a name of its own, then renamed: a retried or speculative copy may be writing the same part.
        Path own = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID());
        Npy.writeInt32(own, neighbours.neighbours(), neighbours.rows(), k);
        Files.move(own, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Done(false, neighbours.backend(), neighbours.seconds());
    }
}
