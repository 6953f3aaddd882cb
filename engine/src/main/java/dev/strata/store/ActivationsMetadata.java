package dev.strata.store;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code __metadata__} of an activations file: what made it. Every key the extraction writes has a field here, so
 * no other class spells a key. Files written by other tools may lack any key: a missing one reads as null.
 *
 * @param model         the GGUF file name
 * @param modelSha256   SHA-256 of the GGUF file
 * @param architecture  the model's {@code general.architecture}
 * @param nLayer        L, the model's blocks
 * @param nEmbd         D, the model's embedding width
 * @param corpus        the corpus's name
 * @param corpusSha256  SHA-256 of the corpus; two files are only comparable on the same prompts
 * @param n             prompts (rows of every tensor)
 * @param maxTokens     prompts were cut to this many tokens
 * @param promptsFile   the file beside it that lists the prompts
 * @param llamaCpp      the llama.cpp release that ran the model
 * @param cpuVariant    the variant of llama.cpp's CPU backend that ran it ("haswell", "zen4"); null for a build with a
 *                      single CPU backend. Variants round differently, so vectors differ in their last bits between them
 * @param cpuFeatures   what that CPU backend was compiled to use, space-separated ("AVX AVX2 F16C FMA ...")
 * @param strataVersion strata's version
 * @param pooling       the file's pooling; set by the store, one value per file
 * @param nonFiniteValues NaN and infinite values per tensor, in file order, where the extraction allowed them; set by
 *                      the store when it finishes, null where they were refused (then there are none)
 * @param chatTemplateSha256 SHA-256 of the model's chat template when every prompt was wrapped in it; null when the
 *                      prompts were used as they are (the file then has neither chat template key)
 * @param skippedPositions the token positions the file's pooling leaves out and what they hold, e.g. "0 (the BOS token
 *                      the model adds)"; in the {@code mean-skip-first} file only (the store drops it from the others)
 */
public record ActivationsMetadata(String model, String modelSha256, String architecture, Integer nLayer, Integer nEmbd,
        String corpus, String corpusSha256, Integer n, Integer maxTokens, String promptsFile, String llamaCpp,
        String cpuVariant, String cpuFeatures, String strataVersion, Pooling pooling, Map<String, Long> nonFiniteValues,
        String chatTemplateSha256, String skippedPositions) {
    private static final String MODEL = "model";
    private static final String MODEL_SHA256 = "model_sha256";
    private static final String ARCHITECTURE = "architecture";
    private static final String N_LAYER = "n_layer";
    private static final String N_EMBD = "n_embd";
    private static final String CORPUS = "corpus";
    private static final String CORPUS_SHA256 = "corpus_sha256";
    private static final String N = "n";
    private static final String MAX_TOKENS = "max_tokens";
    private static final String PROMPTS_FILE = "prompts_file";
    private static final String LLAMA_CPP = "llama_cpp";
    private static final String CPU_VARIANT = "llama_cpu_variant";
    private static final String CPU_FEATURES = "llama_cpu_features";
    private static final String STRATA_VERSION = "strata_version";
    private static final String CHAT_TEMPLATE = "chat_template";
    private static final String CHAT_TEMPLATE_SHA256 = "chat_template_sha256";
    static final String POOLING = "pooling";
    static final String NONFINITE_VALUES = "nonfinite_values";
    static final String SKIPPED_POSITIONS = "skipped_positions";

    public ActivationsMetadata {
        if (nonFiniteValues != null) nonFiniteValues = Collections.unmodifiableMap(new LinkedHashMap<>(nonFiniteValues));
    }

    /** Whether every prompt was wrapped in the model's chat template. */
    public boolean chatTemplateApplied() {
        return chatTemplateSha256 != null;
    }

    /** All NaN and infinite values of the file; 0 where they were not counted. */
    public long nonFiniteTotal() {
        return nonFiniteValues == null ? 0 : nonFiniteValues.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The key-value strings as the file stores them; null fields are left out. */
    public Map<String, String> toStrings() {
        Map<String, String> strings = new LinkedHashMap<>();
        put(strings, MODEL, model);
        put(strings, MODEL_SHA256, modelSha256);
        put(strings, ARCHITECTURE, architecture);
        put(strings, N_LAYER, nLayer);
        put(strings, N_EMBD, nEmbd);
        put(strings, CORPUS, corpus);
        put(strings, CORPUS_SHA256, corpusSha256);
        put(strings, N, n);
        put(strings, MAX_TOKENS, maxTokens);
        put(strings, PROMPTS_FILE, promptsFile);
        put(strings, LLAMA_CPP, llamaCpp);
        put(strings, CPU_VARIANT, cpuVariant);
        put(strings, CPU_FEATURES, cpuFeatures);
        put(strings, STRATA_VERSION, strataVersion);
        // Written only when applied, so that files made without a template keep their bytes.
        put(strings, CHAT_TEMPLATE, chatTemplateApplied() ? "yes" : null);
        put(strings, CHAT_TEMPLATE_SHA256, chatTemplateSha256);
        put(strings, POOLING, pooling == null ? null : pooling.label());
        put(strings, NONFINITE_VALUES, nonFiniteValues == null ? null : countsJson(nonFiniteValues));
        put(strings, SKIPPED_POSITIONS, skippedPositions);
        return strings;
    }

    /**
     * This run's metadata as a run begun before the CPU variant was recorded would have written it: without the CPU
     * variant and features when {@code earlier} (a checkpoint's or finished extraction's metadata) lacks them, so such a
     * run still resumes. Its rows came from a variant nobody recorded, so naming this run's would mislead; and the
     * headers, whose length fixes where every row lies, stay as they were written. Unchanged when both record them.
     */
    static Map<String, String> asRecordedBy(Map<?, ?> earlier, Map<String, String> thisRun) {
        Map<String, String> recorded = new LinkedHashMap<>(thisRun);
        for (String key : List.of(CPU_VARIANT, CPU_FEATURES)) {
            if (!earlier.containsKey(key)) recorded.remove(key);
        }
        return recorded;
    }

    /** The {@value #NONFINITE_VALUES} value: a JSON object from tensor name to count. */
    static String countsJson(Map<String, Long> counts) {
        try {
            return JSON.std.asString(counts);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a map of numbers as JSON cannot fail", e);
        }
    }

    /** Reads the metadata of {@code file}; keys it does not know are ignored, a malformed value is an error. */
    static ActivationsMetadata of(Map<String, String> strings, Path file) throws IOException {
        String pooling = strings.get(POOLING);
        Pooling parsed;
        try {
            parsed = pooling == null ? null : Pooling.of(pooling);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": metadata " + POOLING + " '" + pooling + "' is not " + Pooling.allLabels(", ", " or "));
        }
        return new ActivationsMetadata(strings.get(MODEL), strings.get(MODEL_SHA256), strings.get(ARCHITECTURE),
                integer(strings, N_LAYER, file), integer(strings, N_EMBD, file), strings.get(CORPUS),
                strings.get(CORPUS_SHA256), integer(strings, N, file), integer(strings, MAX_TOKENS, file),
                strings.get(PROMPTS_FILE), strings.get(LLAMA_CPP), strings.get(CPU_VARIANT), strings.get(CPU_FEATURES),
                strings.get(STRATA_VERSION), parsed, counts(strings, file), strings.get(CHAT_TEMPLATE_SHA256),
                strings.get(SKIPPED_POSITIONS));
    }

    private static Map<String, Long> counts(Map<String, String> strings, Path file) throws IOException {
        String value = strings.get(NONFINITE_VALUES);
        if (value == null) return null;
        Map<String, Long> counts = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> entry : JSON.std.mapFrom(value).entrySet()) {
                if (!(entry.getValue() instanceof Number count) || count.longValue() < 0) throw new IOException("not a count");
                counts.put(entry.getKey(), count.longValue());
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": metadata " + NONFINITE_VALUES + " is not a JSON object of tensor counts");
        }
        return counts;
    }

    private static void put(Map<String, String> strings, String key, Object value) {
        if (value != null) strings.put(key, value.toString());
    }

    private static Integer integer(Map<String, String> strings, String key, Path file) throws IOException {
        String value = strings.get(key);
        if (value == null) return null;
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": metadata " + key + " '" + value + "' is not a whole number");
        }
    }
}
