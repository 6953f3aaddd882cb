package dev.strata.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What makes two runs the same run: a checkpoint is only continued by a run with an equal fingerprint.
 *
 * @param modelSha256  SHA-256 of the GGUF file
 * @param corpusSha256 SHA-256 of the corpus file ({@code Corpus#sha256()})
 * @param options      every option that changes the activations (max tokens, template, ...), as one canonical string
 * @param prompts      n, the number of prompts (rows of every tensor)
 * @param width        D, the model's embedding width (columns of every tensor)
 * @param tensors      T = L + 2: {@code layers.0} .. {@code layers.L} and {@code final_norm}
 * @param poolings     the poolings stored, one file each
 */
public record StoreFingerprint(String modelSha256, String corpusSha256, String options, int prompts, int width, int tensors,
        Set<Pooling> poolings) {
    public StoreFingerprint {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(corpusSha256, "corpusSha256");
        Objects.requireNonNull(options, "options");
        if (poolings.isEmpty()) throw new IllegalArgumentException("fingerprint needs at least one pooling");
        poolings = Collections.unmodifiableSet(EnumSet.copyOf(poolings));
        if (prompts <= 0 || width <= 0 || tensors < 2) {
            throw new IllegalArgumentException("fingerprint needs prompts > 0, width > 0 and tensors >= 2; got "
                    + prompts + ", " + width + ", " + tensors);
        }
    }

    /** The tensor names in file order: {@code layers.0} .. {@code layers.(T-2)}, then {@code final_norm}. */
    public List<String> tensorNames() {
        return ActivationsFile.tensorNames(tensors);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("modelSha256", modelSha256);
        json.put("corpusSha256", corpusSha256);
        json.put("options", options);
        json.put("prompts", prompts);
        json.put("width", width);
        json.put("tensors", tensors);
        json.put("poolings", poolings.stream().map(Pooling::label).toList());
        return json;
    }

    static StoreFingerprint fromJson(Map<?, ?> json) {
        // Stores written before "poolings" existed hold the paper's two.
        Set<Pooling> poolings = EnumSet.copyOf(Pooling.PAPER);
        if (json.get("poolings") instanceof List<?> labels) {
            poolings = EnumSet.noneOf(Pooling.class);
            for (Object label : labels) poolings.add(Pooling.of(String.valueOf(label)));
        }
        return new StoreFingerprint((String) json.get("modelSha256"), (String) json.get("corpusSha256"),
                (String) json.get("options"), ((Number) json.get("prompts")).intValue(),
                ((Number) json.get("width")).intValue(), ((Number) json.get("tensors")).intValue(), poolings);
    }

    /** Each field that differs, as "FIELD VALUE-THEN, this run uses VALUE-NOW" phrases; empty when equal. */
    List<String> differencesFrom(StoreFingerprint thisRun) {
        List<String> differences = new ArrayList<>();
        compare(differences, "model sha256", abbreviateHash(modelSha256), abbreviateHash(thisRun.modelSha256),
                modelSha256.equals(thisRun.modelSha256));
        compare(differences, "corpus sha256", abbreviateHash(corpusSha256), abbreviateHash(thisRun.corpusSha256),
                corpusSha256.equals(thisRun.corpusSha256));
        compare(differences, "options", "\"" + options + "\"", "\"" + thisRun.options + "\"", options.equals(thisRun.options));
        compare(differences, "prompt count", prompts, thisRun.prompts, prompts == thisRun.prompts);
        compare(differences, "width", width, thisRun.width, width == thisRun.width);
        compare(differences, "tensor count", tensors, thisRun.tensors, tensors == thisRun.tensors);
        compare(differences, "poolings", Pooling.labels(poolings), Pooling.labels(thisRun.poolings),
                poolings.equals(thisRun.poolings));
        return differences;
    }

    private static void compare(List<String> differences, String field, Object then, Object now, boolean equal) {
        if (!equal) {
            differences.add(field + " " + then + ", this run uses " + now);
        }
    }

    private static String abbreviateHash(String hash) {
        return hash.length() <= 12 ? hash : hash.substring(0, 12) + "…";
    }
}
