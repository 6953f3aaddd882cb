package dev.strata.fuzz;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The models the fuzzer and the pre-flight tests start from: tiny random llamas and the real models. */
final class FuzzModels {
    private FuzzModels() {}

    static Path llamaSource() {
        return Path.of(System.getProperty("strata.llama.src"));
    }

    /** A vocabulary-only GGUF file of llama.cpp's test set: "llama-spm" (SentencePiece) or "gpt-2" (BPE). */
    static Path vocabulary(String name) {
        return llamaSource().resolve("models").resolve("ggml-vocab-" + name + ".gguf");
    }

    /** The real models of {@code make models}: {@code strata.models.dir}, else models/ of the project root. */
    static List<Path> realModels() throws IOException {
        String property = System.getProperty("strata.models.dir");
        Path dir = property != null && !property.isBlank() ? Path.of(property)
                : llamaSource().toAbsolutePath().getParent().getParent().getParent().resolve("models");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".gguf")).sorted().toList();
        }
    }

    /** A 3-block llama of width 64 with the named vocabulary, written into {@code dir}. */
    static Path tinyLlama(Path dir, String vocabulary) throws IOException {
        Path file = dir.resolve("tiny-" + vocabulary + ".gguf");
        RandomLlamaModel.builder().vocabularyFrom(vocabulary(vocabulary)).blocks(3).width(64).heads(4).kvHeads(2)
                .ffnWidth(128).contextLength(512).seed(11).weightType(GgmlType.F32).write(file);
        return file;
    }
}
