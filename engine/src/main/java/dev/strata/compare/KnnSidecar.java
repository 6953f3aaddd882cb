package dev.strata.compare;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON written beside a k-NN file ({@code <file>.json}) by the k-NN step. Every field may be
 * missing; null means "not recorded".
 *
 * @param layers       tensor names of the layers, in the order of the table's first axis
 * @param corpusSha256 hash of the prompt set; two tables are only comparable on the same prompts
 */
public record KnnSidecar(List<String> layers, Integer k, Integer n, String view, String sourceSha256,
                         String corpusSha256, String model) {

    /** The sidecar path for a k-NN file. */
    public static Path pathFor(Path knnFile) {
        return knnFile.resolveSibling(knnFile.getFileName() + ".json");
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
        Object layers = json.get("layers");
        List<String> names = layers instanceof List<?> list ? list.stream().map(String::valueOf).toList() : null;
        return Optional.of(new KnnSidecar(names, integer(json.get("k")), integer(json.get("n")), string(json.get("view")),
                string(json.get("source_sha256")), string(json.get("corpus_sha256")), string(json.get("model"))));
    }

    private static Integer integer(Object value) {
        return value instanceof Number number ? number.intValue() : null;
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}
