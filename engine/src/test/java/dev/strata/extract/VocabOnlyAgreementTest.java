package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bindings.Llama;
import dev.strata.bindings.ModelParams;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** strata's GGUF reader and llama.cpp agree on the vocabulary of every vocab-only GGUF of the release. */
class VocabOnlyAgreementTest {
    static List<Path> vocabFiles() throws IOException {
        try (Stream<Path> files = Files.list(TestModels.llamaVocab().getParent())) {
            return files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
    }

    @ParameterizedTest
    @MethodSource("vocabFiles")
    void readerAndLlamaCppAgreeOnVocabularySize(Path file) throws IOException {
        ModelSummary summary;
        try (GgufFile gguf = GgufFile.open(file)) {
            summary = ModelSummary.of(gguf);
        }
        Llama.init(Llama.defaultNativeDir());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment model = Llama.modelLoad(file, new ModelParams(arena).vocabOnly(true));
            try {
                int llamaVocab = Llama.vocabNTokens(Llama.modelVocab(model));
                assertTrue(llamaVocab > 0);
                assertEquals(llamaVocab, summary.vocabularySize().orElseThrow(), file.getFileName().toString());
            } finally {
                Llama.modelFree(model);
            }
        }
    }
}
