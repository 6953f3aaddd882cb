package dev.strata.knn;

import dev.strata.io.SafetensorsReader;
import dev.strata.io.SafetensorsReader.TensorInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern LAYER = Pattern.compile("layers\\.(0|[1-9]\\d{0,8})");
    static final String FINAL_NORM = "final_norm";

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

    private final SafetensorsReader reader;
    private final Kind kind;
    private final List<TensorInfo> layers;
    private final int rows;
    private final int dim;

    private LayerView(SafetensorsReader reader, Kind kind, List<TensorInfo> layers) {
        this.reader = reader;
        this.kind = kind;
        this.layers = layers;
        this.rows = (int) layers.getFirst().shape()[0];
        this.dim = (int) layers.getFirst().shape()[1];
    }

    /** Selects the layers of {@code kind} from an open activations file, checking they exist and agree in shape. */
    public static LayerView of(SafetensorsReader reader, Kind kind) throws IOException {
        TreeMap<Integer, TensorInfo> numbered = new TreeMap<>();
        for (TensorInfo t : reader.tensors()) {
            Matcher m = LAYER.matcher(t.name());
            if (m.matches()) numbered.put(Integer.parseInt(m.group(1)), t);
        }
        if (numbered.isEmpty()) throw bad(reader, "has no layers.<i> tensors; is it an activations file?");
        int last = numbered.lastKey();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i <= last && missing.size() < 5; i++) {
            if (!numbered.containsKey(i)) missing.add(i);
        }
        if (!missing.isEmpty()) {
            throw bad(reader, "layers.0 .. layers." + last + " expected, missing layers." + missing.getFirst()
                    + (missing.size() > 1 ? " (and others: " + missing + ")" : ""));
        }
        if (!reader.has(FINAL_NORM)) throw bad(reader, "has no '" + FINAL_NORM + "' tensor");

        List<TensorInfo> chosen = new ArrayList<>(kind == Kind.HF ? numbered.headMap(last).values() : numbered.values());
        chosen.add(reader.tensor(FINAL_NORM));
        TensorInfo first = chosen.getFirst();
        for (TensorInfo t : chosen) {
            reader.requireFloatMatrix(t);
            if (!Arrays.equals(t.shape(), first.shape())) {
                throw bad(reader, "tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape()) + " but '"
                        + first.name() + "' has " + Arrays.toString(first.shape()));
            }
        }
        if (first.shape()[0] > Integer.MAX_VALUE - 8) throw bad(reader, "has too many rows: " + first.shape()[0]);
        return new LayerView(reader, kind, List.copyOf(chosen));
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
                reader.readRow(t, row, dst);
            }
        };
    }

    private static IOException bad(SafetensorsReader reader, String what) {
        return new IOException(reader.path() + ": " + what);
    }
}
