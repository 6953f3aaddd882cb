package dev.strata.gguf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The llama.cpp source tree the parent pom names in {@code strata.llama.src}; tests needing it skip without it. */
final class LlamaSource {
    private LlamaSource() {}

    static Path models() {
        String source = System.getProperty("strata.llama.src");
        assumeTrue(source != null && Files.isDirectory(Path.of(source, "models")),
                "llama.cpp source not found (strata.llama.src=" + source + ")");
        return Path.of(source, "models");
    }

    /** A vocabulary-only GGUF file with the llama SentencePiece tokenizer (32000 tokens). */
    static Path llamaVocabulary() {
        Path vocab = models().resolve("ggml-vocab-llama-spm.gguf");
        assumeTrue(Files.isRegularFile(vocab), vocab + " not found");
        return vocab;
    }
}
