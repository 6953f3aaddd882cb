package dev.strata.knn;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON written beside a k-NN table ({@code <table>.json}) and read by whoever compares tables: the one owner of
 * its fields and its path. Every field may be missing in a file written elsewhere; null means "not recorded" and a
 * null field is not written.
 *
 * @param layers       tensor names of the layers, in the order of the table's first axis
 * @param view         the layer view the table was computed on ("hf" or "raw")
 * @param dim          D, the width of the vectors
 * @param source       the activations file's name
 * @param sourceSha256 SHA-256 of the activations file; a table is up to date while it matches
 * @param corpusSha256 hash of the prompt set; two tables are only comparable on the same prompts
 * @param model        the model's file name, from the activations' metadata
 * @param backend      what computed the table
 */
public record KnnSidecar(List<String> layers, String view, Integer n, Integer k, Integer dim, String source,
                         String sourceSha256, String corpusSha256, String model, String backend) {
    private static final String LAYERS = "layers";
    private static final String VIEW = "view";
    private static final String N = "n";
    private static final String K = "k";
    private static final String DIM = "dim";
    private static final String SOURCE = "source";
    private static final String SOURCE_SHA256 = "source_sha256";
    private static final String CORPUS_SHA256 = "corpus_sha256";
    private static final String MODEL = "model";
    private static final String BACKEND = "backend";

    /** The sidecar path for a k-NN table: {@code knn.npy} gets {@code knn.npy.json}. */
    public static Path pathFor(Path knnFile) {
        return knnFile.resolveSibling(knnFile.getFileName() + ".json");
    }

    /** Writes this sidecar beside {@code knnFile}, atomically, and returns its path. */
    public Path writeBeside(Path knnFile) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        put(json, LAYERS, layers);
        put(json, VIEW, view);
        put(json, N, n);
        put(json, K, k);
        put(json, DIM, dim);
        put(json, SOURCE, source);
        put(json, SOURCE_SHA256, sourceSha256);
        put(json, CORPUS_SHA256, corpusSha256);
        put(json, MODEL, model);
        put(json, BACKEND, backend);
        Path path = pathFor(knnFile);
        AtomicFile.writeString(path, JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json) + "\n");
        return path;
    }

    /** Reads the sidecar beside {@code knnFile}, or empty when there is none. */
    public static Optional<KnnSidecar> readBeside(Path knnFile) throws IOException {
        Path path = pathFor(knnFile);
        if (!Files.exists(path)) return Optional.empty();
        Map<String, Object> json;
        try {
            json = JSON.std.mapFrom(Files.readString(path));
        } catch (IOException e) {
            throw new IOException(path + ": not valid JSON: " + e.getMessage(), e);
        }
        List<String> names = json.get(LAYERS) instanceof List<?> list ? list.stream().map(String::valueOf).toList() : null;
        return Optional.of(new KnnSidecar(names, string(json.get(VIEW)), integer(json.get(N)), integer(json.get(K)),
                integer(json.get(DIM)), string(json.get(SOURCE)), string(json.get(SOURCE_SHA256)),
                string(json.get(CORPUS_SHA256)), string(json.get(MODEL)), string(json.get(BACKEND))));
    }

    private static void put(Map<String, Object> json, String key, Object value) {
        if (value != null) json.put(key, value);
    }

    private static Integer integer(Object value) {
        return value instanceof Number number ? number.intValue() : null;
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}
