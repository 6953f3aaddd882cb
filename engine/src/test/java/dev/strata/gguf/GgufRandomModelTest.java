package dev.strata.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRandomModelTest {
    @TempDir
    Path dir;

    private Path write(String name, long seed, GgmlType type) throws IOException {
        Path file = dir.resolve(name);
        RandomLlamaModel.builder().vocabularyFrom(LlamaSource.llamaVocabulary())
                .blocks(2).width(32).heads(4).kvHeads(2).ffnWidth(48).contextLength(128)
                .ropeBase(5000f).rmsEpsilon(1e-6f).seed(seed).weightType(type)
                .write(file);
        return file;
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        byte[] first = Files.readAllBytes(write("a.gguf", 7, GgmlType.F32));
        byte[] again = Files.readAllBytes(write("b.gguf", 7, GgmlType.F32));
        byte[] other = Files.readAllBytes(write("c.gguf", 8, GgmlType.F32));
        assertArrayEquals(first, again);
        assertEquals(first.length, other.length);
        assertFalse(java.util.Arrays.equals(first, other));
    }

    @Test
    void summaryReportsExactShape() throws IOException {
        try (GgufFile gguf = GgufFile.open(write("m.gguf", 3, GgmlType.F16))) {
            ModelSummary summary = ModelSummary.of(gguf);
            int width = 32;
            int kvWidth = 2 * (width / 4);
            int ffn = 48;
            long perBlock = 2L * width + 2L * width * width + 2L * width * kvWidth + 3L * width * ffn;
            long parameters = 2L * 32000 * width + 2 * perBlock + width;
            assertEquals(new ModelSummary("m.gguf", Files.size(gguf.path()), 3, "llama",
                    java.util.Optional.of("strata random llama (seed 3)"), OptionalLong.of(2), OptionalLong.of(width),
                    "4", "2", OptionalLong.of(128), OptionalLong.of(32000), java.util.Optional.of("llama"),
                    Map.of("f32", 5L, "f16", 16L), 21, parameters), summary);
            assertEquals(List.of("f32", "f16"), List.copyOf(summary.tensorTypes().keySet()), "ordered by ggml id");
            String text = summary.format();
            assertTrue(text.contains("\nblocks:          2\n"), text);
            assertTrue(text.contains("\nkv heads:        2\n"), text);
            assertTrue(text.contains("\ntensor types:    f32 x5, f16 x16\n"), text);
            assertTrue(text.contains("\nparameters:      " + String.format(java.util.Locale.ROOT, "%,d", parameters)
                    + "\n"), text);
        }
    }

    @Test
    void hasEveryTensorAndKeyLlamaNeeds() throws IOException {
        try (GgufFile gguf = GgufFile.open(write("n.gguf", 1, GgmlType.F32));
                GgufFile vocab = GgufFile.open(LlamaSource.llamaVocabulary())) {
            List<String> expected = new ArrayList<>(List.of("token_embd.weight"));
            for (int b = 0; b < 2; b++) {
                for (String t : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                        "ffn_gate", "ffn_up", "ffn_down")) {
                    expected.add("blk." + b + "." + t + ".weight");
                }
            }
            expected.addAll(List.of("output_norm.weight", "output.weight"));
            assertEquals(expected, gguf.tensors().stream().map(GgufFile.TensorInfo::name).toList());
            assertArrayEquals(new long[] {32, 32000}, gguf.tensor("token_embd.weight").orElseThrow().dims());
            assertArrayEquals(new long[] {32, 16}, gguf.tensor("blk.1.attn_k.weight").orElseThrow().dims());
            assertArrayEquals(new long[] {48, 32}, gguf.tensor("blk.0.ffn_down.weight").orElseThrow().dims());
            assertEquals(8, gguf.integer("llama.rope.dimension_count").orElseThrow());
            assertEquals(5000.0, gguf.number("llama.rope.freq_base").orElseThrow());
            assertEquals(1e-6f, (float) gguf.number("llama.attention.layer_norm_rms_epsilon").orElseThrow());
            for (String key : vocab.metadata().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(vocab.metadata().get(key), gguf.metadata().get(key), key);
                    assertEquals(vocab.type(key), gguf.type(key), key);
                }
            }
            float[] q = gguf.floats(gguf.tensor("blk.0.attn_q.weight").orElseThrow());
            double variance = 0;
            for (float v : q) {
                variance += v * v;
            }
            variance /= q.length;
            assertEquals(1.0 / 32, variance, 0.2 / 32, "weights scaled by 1/sqrt(fan in)");
        }
    }
}
