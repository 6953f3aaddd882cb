package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every GGUF file shipped with the llama.cpp sources parses, and each has a vocabulary. */
class GgufVocabFilesTest {
    @Test
    void everyShippedModelFileParses() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(LlamaSource.models())) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no .gguf files in " + LlamaSource.models());
        for (Path file : files) {
            try (GgufFile gguf = GgufFile.open(file)) {
                ModelSummary summary = ModelSummary.of(gguf);
                long vocabulary = summary.vocabularySize().orElse(0);
                assertTrue(vocabulary > 0, file + " has no vocabulary");
                assertEquals(vocabulary, gguf.array("tokenizer.ggml.tokens").orElseThrow().size(), file.toString());
                assertTrue(summary.tokenizerModel().isPresent(), file + " names no tokenizer model");
                assertTrue(gguf.version() == 2 || gguf.version() == 3, file.toString());
            }
        }
    }

    @Test
    void llamaVocabularyHasItsKnownTokens() throws IOException {
        try (GgufFile gguf = GgufFile.open(LlamaSource.llamaVocabulary())) {
            GgufArray tokens = gguf.array("tokenizer.ggml.tokens").orElseThrow();
            assertEquals(32000, tokens.size());
            assertEquals("<unk>", tokens.values().get(0));
            assertEquals("<s>", tokens.values().get(1));
            assertEquals("llama", gguf.string("tokenizer.ggml.model").orElseThrow());
            assertEquals(GgufValueType.FLOAT32, gguf.array("tokenizer.ggml.scores").orElseThrow().elementType());
        }
    }
}
