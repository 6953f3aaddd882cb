package dev.strata.knn;

import dev.strata.io.NonFinite;
import dev.strata.io.SafetensorsReader.TensorInfo;
import dev.strata.store.ActivationsFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which tensors of an activations file count as layers. The file holds {@code layers.0} (the
 * embeddings) through {@code layers.L} (the residual after each of the L blocks, before the final
 * norm) and {@code final_norm}, each n x D.
 *
 * <ul>
 *   <li>{@link Kind#HF} (default): the L+1 hidden states of Hugging Face's
 *       {@code output_hidden_states}: {@code layers.0 .. layers.(L-1)}, then {@code final_norm} in
 *       place of the last pre-norm residual.
 *   <li>{@link Kind#RAW}: every {@code layers.<i>} in numeric order, then {@code final_norm}.
 * </ul>
 */
public final class LayerView {
    /** The two views. */
    public enum Kind {
        HF, RAW;

        /** Parses "hf" or "raw" (any case). */
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(text.strip())) return k;
            }
            throw new IllegalArgumentException("unknown view '" + text + "' (expected hf or raw)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ActivationsFile file;
    private final Kind kind;
    private final List<TensorInfo> layers;
    private final int rows;
    private final int dim;

    private LayerView(ActivationsFile file, Kind kind, List<TensorInfo> layers) {
        this.file = file;
        this.kind = kind;
        this.layers = layers;
        this.rows = (int) layers.getFirst().shape()[0];
        this.dim = (int) layers.getFirst().shape()[1];
    }

    /** Selects the layers of {@code kind} from an open activations file, checking they exist and agree in shape. */
    public static LayerView of(ActivationsFile file, Kind kind) throws IOException {
        List<TensorInfo> stored = file.layers();
        TensorInfo finalNorm = file.finalNorm();
        List<TensorInfo> chosen = new ArrayList<>(kind == Kind.HF ? stored.subList(0, stored.size() - 1) : stored);
        chosen.add(finalNorm);
        TensorInfo first = chosen.getFirst();
        for (TensorInfo t : chosen) {
            file.requireFloatMatrix(t);
            if (!Arrays.equals(t.shape(), first.shape())) {
                throw bad(file, "tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape()) + " but '"
                        + first.name() + "' has " + Arrays.toString(first.shape()));
            }
        }
        if (first.shape()[0] > Integer.MAX_VALUE - 8) throw bad(file, "has too many rows: " + first.shape()[0]);
        return new LayerView(file, kind, List.copyOf(chosen));
    }

    /**
     * Throws when a layer of the view holds NaN or infinite values, naming the file, the tensor, the first row with one
     * and the count: neighbours and CKA of such rows are undefined. Reads every row once.
     */
    public void requireFinite() throws IOException {
        for (int layer = 0; layer < layers.size(); layer++) requireFinite(layer);
    }

    /** As {@link #requireFinite()}, for layer {@code index} of the view alone. */
    public void requireFinite(int index) throws IOException {
        float[] row = new float[dim];
        TensorInfo t = layers.get(index);
        long inLayer = 0;
        int firstRow = -1;
        int inFirstRow = 0;
        for (int r = 0; r < rows; r++) {
            file.readRow(t, r, row);
            int found = NonFinite.count(row, dim);
            if (found > 0 && firstRow < 0) {
                firstRow = r;
                inFirstRow = found;
            }
            inLayer += found;
        }
        if (inLayer > 0) {
            throw bad(file, "tensor '" + t.name() + "' holds " + inLayer + " non-finite values (NaN or Inf), "
                    + inFirstRow + " of them in row " + firstRow + "; k-NN and CKA need finite vectors");
        }
    }

    public Kind kind() {
        return kind;
    }

    /** The tensor names of the view's layers, in order. */
    public List<String> names() {
        return layers.stream().map(TensorInfo::name).toList();
    }

    public int size() {
        return layers.size();
    }

    /** Prompts (rows) per layer. */
    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    /** Layer {@code index} of the view, read row by row from the mapped file. */
    public RowMatrix layer(int index) {
        TensorInfo t = layers.get(index);
        return new RowMatrix() {
            @Override
            public String name() {
                return "layer " + t.name();
            }

            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int cols() {
                return dim;
            }

            @Override
            public void copyRow(int row, float[] dst) {
                file.readRow(t, row, dst);
            }
        };
    }

    private static IOException bad(ActivationsFile file, String what) {
        return new IOException(file.path() + ": " + what);
    }
}
