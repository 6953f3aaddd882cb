package dev.strata.extract;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small random-weight llama models written once per JVM for extraction tests. */
final class TestModels {
    private static Path f32;

    private TestModels() {}

    static Path llamaVocab() {
        return Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf");
    }

    /** 3 blocks, width 64, 4 heads over 2 KV heads, float32. */
    static synchronized Path tinyF32() throws IOException {
        if (f32 == null) {
            Path dir = Files.createTempDirectory("strata-models");
            dir.toFile().deleteOnExit();
            f32 = dir.resolve("tiny-f32.gguf");
            RandomLlamaModel.builder().vocabularyFrom(llamaVocab()).blocks(3).width(64).heads(4).kvHeads(2)
                    .ffnWidth(128).contextLength(512).seed(7).weightType(GgmlType.F32).write(f32);
            f32.toFile().deleteOnExit();
        }
        return f32;
    }
}
