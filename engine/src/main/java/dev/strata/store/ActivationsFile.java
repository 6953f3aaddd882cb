package dev.strata.store;

import dev.strata.io.SafetensorsReader.TensorInfo;
import dev.strata.io.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An activations file opened for reading: the counterpart of what {@link ActivationStore} writes, and the one place
 * that knows its tensor names. It holds {@code layers.0} (the embeddings) through {@code layers.L} (the residual after
 * each of the L blocks) and {@code final_norm}, each n x D, and {@link ActivationsMetadata}. Files of other tools with
 * the same names and any floating dtype read too. Thread-safe for reading; {@link #close()} unmaps the file.
 */
public final class ActivationsFile implements AutoCloseable {
    /** The tensor after the model's final norm, stored after the layers. */
    public static final String FINAL_NORM = "final_norm";
    private static final String LAYER_PREFIX = "layers.";
    private static final Pattern LAYER = Pattern.compile(Pattern.quote(LAYER_PREFIX) + "(0|[1-9]\\d{0,8})");

    private final SafetensorsReader reader;
    private final ActivationsMetadata metadata;

    private ActivationsFile(SafetensorsReader reader, ActivationsMetadata metadata) {
        this.reader = reader;
        this.metadata = metadata;
    }

    /** Maps {@code path} and reads its header and metadata; an IOException naming the file when either is malformed. */
    public static ActivationsFile open(Path path) throws IOException {
        SafetensorsReader reader = SafetensorsReader.open(path);
        try {
            return new ActivationsFile(reader, ActivationsMetadata.of(reader.metadata(), path));
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** The name of stored layer {@code index}: {@code layers.<index>}. */
    public static String layerName(int index) {
        return LAYER_PREFIX + index;
    }

    /** The names of a file of {@code tensors} tensors in file order: the layers, then {@link #FINAL_NORM}. */
    static List<String> tensorNames(int tensors) {
        List<String> names = new ArrayList<>(tensors);
        for (int layer = 0; layer < tensors - 1; layer++) {
            names.add(layerName(layer));
        }
        names.add(FINAL_NORM);
        return names;
    }

    public Path path() {
        return reader.path();
    }

    public ActivationsMetadata metadata() {
        return metadata;
    }

    /** {@code layers.0 .. layers.L} in numeric order; an IOException naming the file when none or some are missing. */
    public List<TensorInfo> layers() throws IOException {
        TreeMap<Integer, TensorInfo> numbered = new TreeMap<>();
        for (TensorInfo t : reader.tensors()) {
            Matcher m = LAYER.matcher(t.name());
            if (m.matches()) numbered.put(Integer.parseInt(m.group(1)), t);
        }
        if (numbered.isEmpty()) throw bad("has no " + LAYER_PREFIX + "<i> tensors; is it an activations file?");
        int last = numbered.lastKey();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i <= last && missing.size() < 5; i++) {
            if (!numbered.containsKey(i)) missing.add(i);
        }
        if (!missing.isEmpty()) {
            throw bad(layerName(0) + " .. " + layerName(last) + " expected, missing " + layerName(missing.getFirst())
                    + (missing.size() > 1 ? " (and others: " + missing + ")" : ""));
        }
        return List.copyOf(numbered.values());
    }

    /** The {@link #FINAL_NORM} tensor; an IOException naming the file when there is none. */
    public TensorInfo finalNorm() throws IOException {
        if (!reader.has(FINAL_NORM)) throw bad("has no '" + FINAL_NORM + "' tensor");
        return reader.tensor(FINAL_NORM);
    }

    /** Checks that {@code t} is a 2-D tensor of a floating dtype, the form {@link #readRow} accepts. */
    public void requireFloatMatrix(TensorInfo t) throws IOException {
        reader.requireFloatMatrix(t);
    }

    /** Copies row {@code row} of the 2-D floating tensor {@code t} into {@code dst} as float32. */
    public void readRow(TensorInfo t, long row, float[] dst) {
        reader.readRow(t, row, dst);
    }

    @Override
    public void close() {
        reader.close();
    }

    private IOException bad(String what) {
        return new IOException(reader.path() + ": " + what);
    }
}
