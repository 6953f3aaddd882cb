package dev.strata.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.extract.LoadedModel;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.RandomLlamaModel;
import dev.strata.gguf.UntrainedModel;
import dev.strata.store.IfExists;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The untrained control: same metadata and shapes as the real model, new weights, deterministic, loadable. */
class StudyUntrainedControlTest {
    @TempDir Path tmp;

    static Path vocab() {
        return Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf");
    }

    @Test
    void mirrorsTheRealModelAndLoadsInLlamaCpp() throws IOException {
        Path real = tmp.resolve("real.gguf");
        RandomLlamaModel.builder().vocabularyFrom(vocab()).blocks(2).width(32).heads(4).kvHeads(2).ffnWidth(64)
                .contextLength(256).seed(3).weightType(GgmlType.F16).write(real);
        Path control = tmp.resolve("control.gguf");
        Path again = tmp.resolve("again.gguf");
        UntrainedModel.write(real, control, 42);
        UntrainedModel.write(real, again, 42);
        assertArrayEquals(Files.readAllBytes(control), Files.readAllBytes(again), "same seed, same bytes");

        try (GgufFile a = GgufFile.open(real); GgufFile b = GgufFile.open(control)) {
            assertEquals(a.metadata().keySet(), b.metadata().keySet());
            for (String key : a.metadata().keySet()) {
                if (!key.equals("general.name") && !key.equals("general.file_type")) {
                    assertEquals(a.metadata().get(key), b.metadata().get(key), key);
                }
            }
            assertEquals(a.tensors().size(), b.tensors().size());
            for (int t = 0; t < a.tensors().size(); t++) {
                GgufFile.TensorInfo ta = a.tensors().get(t);
                GgufFile.TensorInfo tb = b.tensors().get(t);
                assertEquals(ta.name(), tb.name());
                assertArrayEquals(ta.dims(), tb.dims(), ta.name());
                assertNotEquals(java.util.Arrays.toString(a.floats(ta)), java.util.Arrays.toString(b.floats(tb)),
                        ta.name() + " should have new values");
            }
            float[] norm = b.floats(b.tensor("blk.0.attn_norm.weight").orElseThrow());
            for (float v : norm) assertTrue(v > 0.5f && v < 1.5f, "norm weights near 1: " + v);
            float[] q = b.floats(b.tensor("blk.0.attn_q.weight").orElseThrow());
            double sq = 0;
            for (float v : q) sq += v * v;
            assertEquals(1.0 / 32, sq / q.length, 0.25 / 32, "variance 1/fan_in");
        }

        try (LoadedModel model = LoadedModel.open(control, 0)) {
            assertEquals(2, model.nLayer());
            assertEquals(32, model.width());
            assertTrue(model.tokenize("Hello world").length >= 2);
        }
        Path prompts = tmp.resolve("p.txt");
        Files.write(prompts, List.of("The cat sat on the mat.", "Hello world", "Rivers carve valleys."));
        Extractor.Result r = new Extractor("test").run(control, Corpus.load(prompts), tmp.resolve("acts"),
                new ExtractOptions(32, 64, 3, 1, 0), IfExists.REFUSE, (d, t, k, s) -> {});
        assertEquals(3, r.prompts());
    }
}
