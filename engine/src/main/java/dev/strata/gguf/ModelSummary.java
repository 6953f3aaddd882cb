package dev.strata.gguf;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code strata info MODEL.gguf} shows about a model. Head counts are strings because GGUF may give them per
 * layer: one number when every layer agrees, otherwise "varies (max N)".
 *
 * @param tensorTypes tensor count per ggml type name, in ggml type id order
 */
public record ModelSummary(
        String file,
        long fileSize,
        int ggufVersion,
        String architecture,
        Optional<String> name,
        OptionalLong blocks,
        OptionalLong embeddingLength,
        String heads,
        String kvHeads,
        OptionalLong contextLength,
        OptionalLong vocabularySize,
        Optional<String> tokenizerModel,
        Map<String, Long> tensorTypes,
        int tensorCount,
        long parameterCount) {

    public ModelSummary {
        tensorTypes = Collections.unmodifiableMap(new LinkedHashMap<>(tensorTypes));
    }

    public static ModelSummary of(GgufFile gguf) {
        String arch = gguf.string("general.architecture").orElse("unknown");
        String heads = perLayerCount(gguf, arch + ".attention.head_count");
        String kvHeads = gguf.get(arch + ".attention.head_count_kv").isPresent()
                ? perLayerCount(gguf, arch + ".attention.head_count_kv")
                : heads; // llama.cpp's default: no grouped-query attention
        OptionalLong vocab = gguf.array("tokenizer.ggml.tokens")
                .map(tokens -> OptionalLong.of(tokens.size()))
                .orElse(gguf.integer(arch + ".vocab_size"));
        Map<GgmlType, Long> byType = gguf.tensors().stream().collect(Collectors.groupingBy(
                GgufFile.TensorInfo::type, () -> new TreeMap<>(Comparator.comparingInt(GgmlType::id)),
                Collectors.counting()));
        Map<String, Long> tensorTypes = new LinkedHashMap<>();
        byType.forEach((type, count) -> tensorTypes.put(type.ggmlName(), count));
        long parameters = gguf.tensors().stream().mapToLong(GgufFile.TensorInfo::elementCount).sum();
        return new ModelSummary(
                String.valueOf(gguf.path().getFileName()),
                gguf.fileSize(),
                gguf.version(),
                arch,
                gguf.string("general.name"),
                gguf.integer(arch + ".block_count"),
                gguf.integer(arch + ".embedding_length"),
                heads,
                kvHeads,
                gguf.integer(arch + ".context_length"),
                vocab,
                gguf.string("tokenizer.ggml.model"),
                tensorTypes,
                gguf.tensors().size(),
                parameters);
    }

    /** A count that is either one integer or an integer array with one entry per layer. */
    private static String perLayerCount(GgufFile gguf, String key) {
        OptionalLong single = gguf.integer(key);
        if (single.isPresent()) {
            return Long.toString(single.getAsLong());
        }
        return gguf.array(key).map(array -> {
            var counts = array.values().stream().filter(Long.class::isInstance).map(Long.class::cast).toList();
            if (counts.isEmpty() || counts.size() != array.size()) {
                return "unknown";
            }
            long max = counts.stream().mapToLong(Long::longValue).max().orElseThrow();
            return counts.stream().distinct().count() == 1 ? Long.toString(max) : "varies (max " + max + ")";
        }).orElse("unknown");
    }

    /** Aligned "key: value" lines, one per fact, ending with a newline. */
    public String format() {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("file", file + " (" + humanBytes(fileSize) + ", GGUF v" + ggufVersion + ")");
        lines.put("architecture", architecture);
        lines.put("name", name.orElse("-"));
        lines.put("blocks", orUnknown(blocks));
        lines.put("embedding width", orUnknown(embeddingLength));
        lines.put("heads", heads);
        lines.put("kv heads", kvHeads);
        lines.put("context length", orUnknown(contextLength));
        lines.put("vocabulary", orUnknown(vocabularySize));
        lines.put("tokenizer", tokenizerModel.orElse("-"));
        lines.put("tensors", Integer.toString(tensorCount));
        lines.put("tensor types", tensorTypes.isEmpty() ? "-" : tensorTypes.entrySet().stream()
                .map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", ")));
        lines.put("parameters", String.format(Locale.ROOT, "%,d", parameterCount));
        int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        StringBuilder text = new StringBuilder();
        String line = "%-" + width + "s %s\n";
        lines.forEach((key, value) -> text.append(String.format(Locale.ROOT, line, key + ":", value)));
        return text.toString();
    }

    private static String orUnknown(OptionalLong value) {
        return value.isPresent() ? Long.toString(value.getAsLong()) : "unknown";
    }

    private static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
