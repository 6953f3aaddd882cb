package dev.strata.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp through the bindings on the vocab-only GGUF files of the pinned release. */
class LlamaVocabTest {
    static Path models;

    @BeforeAll
    static void init() {
        Llama.init(Llama.defaultNativeDir());
        models = Path.of(System.getProperty("strata.llama.src")).resolve("models");
    }

    @Test
    void loadsBackendsAndReportsTheCpu() {
        assertTrue(Ggml.deviceCount() >= 1);
        assertTrue(Ggml.deviceName(0).startsWith("CPU"), Ggml.deviceName(0));
        assertTrue(Llama.systemInfo().contains("CPU"), Llama.systemInfo());
    }

    @Test
    void tokenizesWithTheLlamaSpmVocabulary() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment model = Llama.modelLoad(models.resolve("ggml-vocab-llama-spm.gguf"), new ModelParams(arena).vocabOnly(true));
            try {
                MemorySegment vocab = Llama.modelVocab(model);
                assertEquals(32000, Llama.vocabNTokens(vocab));
                assertTrue(Llama.vocabAddsBos(vocab));
                assertEquals("llama", Llama.modelMeta(model, "general.architecture").orElseThrow());
                assertTrue(Llama.modelMeta(model, "no.such.key").isEmpty());
                // The release's own test vectors (ggml-vocab-llama-spm.gguf.inp/.out) give " Hello world" -> 15043 3186.
                int[] tokens = Llama.tokenize(vocab, "Hello world", true, false);
                assertArrayEquals(new int[] {1, 15043, 3186}, tokens);
                assertArrayEquals(new int[] {15043, 3186}, Llama.tokenize(vocab, "Hello world", false, false));
                String longText = "strata ".repeat(2000);
                assertTrue(Llama.tokenize(vocab, longText, true, false).length > 2000, "buffer grows past the first guess");
            } finally {
                Llama.modelFree(model);
            }
        }
    }

    @Test
    void aFailedLoadNamesTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("absent.gguf");
        try (Arena arena = Arena.ofConfined()) {
            NativeException e = assertThrows(NativeException.class, () -> Llama.modelLoad(missing, new ModelParams(arena)));
            assertTrue(e.getMessage().contains("absent.gguf"), e.getMessage());
        }
    }
}
