package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Family and size from the real models' GGUF metadata; the larger Qwen of `make models-extra` when it is there. */
class ModelFamilyTest {
    static Path models() {
        return Path.of(System.getProperty("strata.llama.src")).toAbsolutePath().getParent().getParent().getParent()
                .resolve("models");
    }

    static ModelFamily of(String file) throws IOException {
        Path path = models().resolve(file);
        assumeTrue(Files.isRegularFile(path), path + " is missing: run `make models` (or `make models-extra`)");
        try (GgufFile gguf = GgufFile.open(path)) {
            return ModelFamily.of(gguf);
        }
    }

    @Test
    void theDemoModelsAreThreeFamilies() throws IOException {
        ModelFamily smollm = of("smollm2-135m-instruct-q4_1.gguf");
        ModelFamily gemma = of("gemma3-270m-q4_k_m.gguf");
        ModelFamily qwen = of("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
        assertEquals(new ModelFamily("smollm2", "135M"), smollm);
        assertEquals(new ModelFamily("gemma-3", "270M"), gemma);
        assertEquals(new ModelFamily("Qwen2.5-Coder", "0.5B"), qwen);
        assertFalse(smollm.sameFamily(qwen) || smollm.sameFamily(gemma) || gemma.sameFamily(qwen));
    }

    @Test
    void theLargerQwenIsTheSameFamilyAtAnotherSize() throws IOException {
        ModelFamily larger = of("extra/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf");
        assertEquals(new ModelFamily("Qwen2.5-Coder", "1.5B"), larger);
        assertTrue(larger.sameFamily(of("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")));
    }

    @Test
    void aSizeWithoutALabelIsTheRoundedParameterCount() {
        assertEquals("135M", ModelFamily.sizeOf(134_515_008L));
        assertEquals("1.5B", ModelFamily.sizeOf(1_543_714_304L));
        assertEquals("2B", ModelFamily.sizeOf(2_010_000_000L));
        assertEquals("12K", ModelFamily.sizeOf(12_400L));
    }
}
