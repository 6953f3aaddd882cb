package dev.strata.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufArray;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.GgufValueType;
import dev.strata.gguf.Preflight;
import dev.strata.gguf.PreflightException;
import dev.strata.gguf.UntrainedModel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pre-flight checks on real files: the real models and tiny random llamas pass, and each edit that made
 * llama.cpp abort or compute NaN (issue 11) is refused with one line naming the file, the key or tensor and the value.
 */
class PreflightTest {
    @TempDir
    static Path dir;

    static Path spm;
    static Path bpe;

    @BeforeAll
    static void writeTinyModels() throws IOException {
        spm = FuzzModels.tinyLlama(dir, "llama-spm");
        bpe = FuzzModels.tinyLlama(dir, "gpt-2");
    }

    static Stream<Path> passing() throws IOException {
        return Stream.concat(FuzzModels.realModels().stream(), Stream.of(spm, bpe));
    }

    @ParameterizedTest
    @MethodSource("passing")
    void realAndTinyModelsPass(Path model) throws IOException {
        try (GgufFile gguf = GgufFile.open(model)) {
            assertEquals(List.of(), Preflight.check(gguf));
        }
    }

    @Test
    void theRealModelsAreThere() throws IOException {
        assumeFalse(FuzzModels.realModels().isEmpty(), "no real models: run make models");
        assertEquals(3, FuzzModels.realModels().size(), FuzzModels.realModels().toString());
    }

    @Test
    void anUntrainedTwinPasses() throws IOException {
        Path twin = dir.resolve("twin.gguf");
        UntrainedModel.write(spm, twin, 3);
        try (GgufFile gguf = GgufFile.open(twin)) {
            assertEquals(List.of(), Preflight.check(gguf));
        }
    }

    static Stream<Arguments> refusals() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(refusal("block_count 0", set("llama.block_count", GgufValueType.UINT32, 0L),
                "llama.block_count is 0; allowed: 1 to 512"));
        cases.add(refusal("block_count 100000", set("llama.block_count", GgufValueType.UINT32, 100_000L),
                "llama.block_count is 100000"));
        cases.add(refusal("block_count 2^32-1", set("llama.block_count", GgufValueType.UINT32, 0xFFFF_FFFFL),
                "llama.block_count is 4294967295"));
        cases.add(refusal("block_count as int32", set("llama.block_count", GgufValueType.INT32, 3L),
                "llama.block_count is 3 (int32); allowed: a uint32"));
        cases.add(refusal("nextn layers past the blocks", set("llama.nextn_predict_layers", GgufValueType.UINT32, 4L),
                "llama.nextn_predict_layers is 4; allowed: at most block_count (3)"));
        cases.add(refusal("experts on a dense model", set("llama.expert_count", GgufValueType.UINT32, 8L),
                "llama.expert_used_count is 0; allowed: 1 to expert_count (8)"));
        cases.add(refusal("experts used without experts", set("llama.expert_used_count", GgufValueType.UINT32, 2L),
                "llama.expert_used_count is 2; allowed: 0 in a model without experts"));
        cases.add(refusal("expert groups without experts", set("llama.expert_group_count", GgufValueType.UINT32, 2L),
                "llama.expert_group_count is 2"));
        cases.add(refusal("more experts used than exist", both(set("llama.expert_count", GgufValueType.UINT32, 4L),
                set("llama.expert_used_count", GgufValueType.UINT32, 8L)), "llama.expert_used_count is 8"));
        cases.add(refusal("expert count with no router", both(set("llama.expert_count", GgufValueType.UINT32, 4L),
                set("llama.expert_used_count", GgufValueType.UINT32, 2L)),
                "llama.expert_count is 4 in a file without expert router tensors"));
        cases.add(refusal("unknown rope scaling", set("llama.rope.scaling.type", GgufValueType.STRING, "dynamic"),
                "llama.rope.scaling.type is 'dynamic'; allowed: one of none, linear, yarn, longrope"));
        cases.add(refusal("negative rms epsilon", set("llama.attention.layer_norm_rms_epsilon",
                GgufValueType.FLOAT32, -1e-5f), "llama.attention.layer_norm_rms_epsilon is -1.0E-5"));
        cases.add(refusal("NaN rms epsilon", set("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32,
                Float.NaN), "llama.attention.layer_norm_rms_epsilon is NaN"));
        cases.add(refusal("kv heads not dividing heads", set("llama.attention.head_count_kv", GgufValueType.UINT32,
                3L), "llama.attention.head_count_kv is 3 with 4 heads; allowed: a divisor of head_count"));
        cases.add(refusal("kv heads above heads", set("llama.attention.head_count_kv", GgufValueType.UINT32, 8L),
                "llama.attention.head_count_kv is 8 with 4 heads"));
        cases.add(refusal("a layer with 0 kv heads", set("llama.attention.head_count_kv", GgufValueType.ARRAY,
                new GgufArray(GgufValueType.UINT32, List.of(2L, 2L, 0L))),
                "llama.attention.head_count_kv[2] is 0 with 4 heads"));
        cases.add(refusal("a layer with 0 heads", set("llama.attention.head_count", GgufValueType.ARRAY,
                new GgufArray(GgufValueType.UINT32, List.of(4L, 0L, 4L))), "llama.attention.head_count[1] is 0"));
        cases.add(refusal("per-layer heads of the wrong length", set("llama.attention.head_count", GgufValueType.ARRAY,
                new GgufArray(GgufValueType.UINT32, List.of(4L, 4L))), "llama.attention.head_count is an array of 2"));
        cases.add(refusal("value length differs from key length", set("llama.attention.value_length",
                GgufValueType.UINT32, 8L), "llama.attention.value_length is 8; allowed: equal to attention.key_length"));
        cases.add(refusal("rope dimensions not the head size", set("llama.rope.dimension_count",
                GgufValueType.UINT32, 15L), "llama.rope.dimension_count is 15; allowed: the head size 16"));
        cases.add(refusal("a duplicate token", edit -> {
            List<Object> tokens = new ArrayList<>(((GgufArray) edit.metadata.get("tokenizer.ggml.tokens").value())
                    .values());
            tokens.set(1000, tokens.get(999));
            edit.metadata.put("tokenizer.ggml.tokens", new EditableGguf.Value(GgufValueType.ARRAY,
                    new GgufArray(GgufValueType.STRING, tokens)));
        }, "tokenizer.ggml.tokens is has"));
        cases.add(refusal("a bert tokenizer", set("tokenizer.ggml.model", GgufValueType.STRING, "bert"),
                "tokenizer.ggml.model is 'bert'; allowed: one of llama, gpt2"));
        cases.add(refusal("no tokenizer", set("tokenizer.ggml.model", GgufValueType.STRING, "none"),
                "tokenizer.ggml.model is 'none'"));
        cases.add(refusal("no byte tokens", edit -> {
            List<Object> tokens = new ArrayList<>(((GgufArray) edit.metadata.get("tokenizer.ggml.tokens").value())
                    .values());
            tokens.replaceAll(t -> ((String) t).startsWith("<0x") ? "[" + t + "]" : t);
            edit.metadata.put("tokenizer.ggml.tokens", new EditableGguf.Value(GgufValueType.ARRAY,
                    new GgufArray(GgufValueType.STRING, tokens)));
        }, "tokenizer.ggml.tokens is without the byte token <0x00>"));
        cases.add(refusal("matmul weight as i32", retype("blk.0.attn_q.weight", GgmlType.I32),
                "tensor 'blk.0.attn_q.weight' type is i32; allowed: f32, f16, bf16 or a quantized type"));
        cases.add(refusal("matmul weight as i8", retype("blk.1.ffn_down.weight", GgmlType.I8),
                "tensor 'blk.1.ffn_down.weight' type is i8"));
        cases.add(refusal("matmul weight as f64", retype("blk.2.attn_v.weight", GgmlType.F64),
                "tensor 'blk.2.attn_v.weight' type is f64"));
        cases.add(refusal("norm as q8_0", retype("blk.0.attn_norm.weight", GgmlType.Q8_0),
                "tensor 'blk.0.attn_norm.weight' type is q8_0; allowed: f32"));
        cases.add(refusal("norm as f16", retype("output_norm.weight", GgmlType.F16),
                "tensor 'output_norm.weight' type is f16; allowed: f32"));
        cases.add(refusal("embedding as i32", retype("token_embd.weight", GgmlType.I32),
                "tensor 'token_embd.weight' type is i32"));
        cases.add(refusal("alignment 1", set("general.alignment", GgufValueType.UINT32, 1L),
                "general.alignment is 1; allowed: a multiple of 32"));
        cases.add(refusal("rope base 0", set("llama.rope.freq_base", GgufValueType.FLOAT32, 0f),
                "llama.rope.freq_base is 0.0; allowed: a finite number above 0"));
        cases.add(refusal("negative rope base", set("llama.rope.freq_base", GgufValueType.FLOAT32, -1e4f),
                "llama.rope.freq_base is -10000.0"));
        cases.add(refusal("NaN rope base", set("llama.rope.freq_base", GgufValueType.FLOAT32, Float.NaN),
                "llama.rope.freq_base is NaN"));
        cases.add(refusal("NaN YaRN factor", both(set("llama.rope.scaling.type", GgufValueType.STRING, "yarn"),
                set("llama.rope.scaling.yarn_ext_factor", GgufValueType.FLOAT32, Float.NaN)),
                "llama.rope.scaling.yarn_ext_factor is NaN; allowed: a finite number"));
        cases.add(refusal("NaN rope scaling factor", set("llama.rope.scaling.factor", GgufValueType.FLOAT32,
                Float.NaN), "llama.rope.scaling.factor is NaN"));
        cases.add(refusal("rope_freqs of zeros", edit -> edit.tensors.add(new EditableGguf.Tensor(
                "rope_freqs.weight", new long[] {8}, GgmlType.F32, MemorySegment.ofArray(new byte[32]))),
                "tensor 'rope_freqs.weight' is 8 bad values (first 0.0 at index 0); allowed: finite numbers above 0"));
        cases.add(refusal("NaN in a norm weight", poison("blk.1.ffn_norm.weight", 5, Float.NaN),
                "tensor 'blk.1.ffn_norm.weight' is 1 bad value (first NaN at index 5); allowed: finite numbers"));
        cases.add(refusal("an unreadable bos token added", both(set("tokenizer.ggml.bos_token_id",
                GgufValueType.UINT32, 1L << 20), set("tokenizer.ggml.model", GgufValueType.STRING, "gpt2")),
                "tokenizer.ggml.bos_token_id is 1048576; allowed: a token id below the vocabulary size 32000"));
        cases.add(refusal("a transposed matrix", edit -> {
            EditableGguf.Tensor q = edit.tensor("blk.0.attn_k.weight");
            q.dims = new long[] {q.dims[1], q.dims[0]};
        }, "tensor 'blk.0.attn_k.weight' shape is [32, 64]; allowed: [64, 32]"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void eachBreakageIsRefusedInOneLine(String name, Consumer<EditableGguf> mutation, String expected)
            throws IOException {
        Path mutant = dir.resolve(name.replaceAll("[^a-z0-9]+", "-") + ".gguf");
        try (GgufFile source = GgufFile.open(spm)) {
            EditableGguf edit = EditableGguf.of(source);
            mutation.accept(edit);
            edit.write(mutant);
        }
        try (GgufFile gguf = GgufFile.open(mutant)) {
            PreflightException refusal = assertThrows(PreflightException.class, () -> Preflight.require(gguf));
            String message = refusal.getMessage();
            assertTrue(message.startsWith(mutant + ": "), message);
            assertFalse(message.contains("\n"), message);
            assertTrue(refusal.problems().stream().anyMatch(p -> p.toString().startsWith(expected)),
                    () -> "expected a problem starting with \"" + expected + "\", got " + refusal.problems());
        }
    }

    static Arguments refusal(String name, Consumer<EditableGguf> mutation, String expected) {
        return Arguments.of(name, mutation, expected);
    }

    static Consumer<EditableGguf> set(String key, GgufValueType type, Object value) {
        return edit -> edit.metadata.put(key, new EditableGguf.Value(type, value));
    }

    static Consumer<EditableGguf> both(Consumer<EditableGguf> first, Consumer<EditableGguf> second) {
        return first.andThen(second);
    }

    static Consumer<EditableGguf> retype(String tensor, GgmlType type) {
        return edit -> {
            EditableGguf.Tensor t = edit.tensor(tensor);
            long elements = 1;
            for (long d : t.dims) {
                elements *= d;
            }
            t.type = type;
            t.data = MemorySegment.ofArray(new byte[(int) type.byteSize(elements)]);
        };
    }

    static Consumer<EditableGguf> poison(String tensor, int index, float value) {
        return edit -> {
            EditableGguf.Tensor t = edit.tensor(tensor);
            MemorySegment copy = MemorySegment.ofArray(t.data.toArray(ValueLayout.JAVA_BYTE));
            copy.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * index, value);
            t.data = copy;
        };
    }
}
