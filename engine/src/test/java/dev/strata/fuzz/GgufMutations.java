package dev.strata.fuzz;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.GgufArray;
import dev.strata.gguf.GgufValueType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The structured mutations of the GGUF fuzzer, one class per way a converter, a download or a hand edit breaks a
 * model that still parses: each class draws one concrete edit from a seeded random source. The classes cover the
 * cases of issue 11 and the asserts of llama.cpp's hparams and vocabulary loaders.
 */
final class GgufMutations {
    /** One concrete edit of a model; {@code kind} is its class, {@code detail} what exactly it does. */
    record Mutation(String kind, String detail, Consumer<EditableGguf> edit) {}

    @FunctionalInterface
    private interface Drawer {
        Mutation draw(EditableGguf model, String arch, SplittableRandom random);
    }

    private record Kind(String name, Drawer drawer) {}

    private static final List<Kind> KINDS = List.of(
            new Kind("block_count", GgufMutations::blockCount),
            new Kind("nextn_layers", (m, a, r) -> set(a + ".nextn_predict_layers", GgufValueType.UINT32,
                    blocks(m, a) + 1 + r.nextInt(3), "nextn_layers")),
            new Kind("experts", GgufMutations::experts),
            new Kind("rope_scaling_type", (m, a, r) -> set(a + ".rope.scaling.type", GgufValueType.STRING,
                    pick(r, "bogus", "YARN", "", "linear ", "dynamic"), "rope_scaling_type")),
            new Kind("norm_epsilon", (m, a, r) -> set(a + ".attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32,
                    pick(r, -1e-5f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f), "norm_epsilon")),
            new Kind("head_count_kv", GgufMutations::headCountKv),
            new Kind("head_count", GgufMutations::headCount),
            new Kind("head_sizes", GgufMutations::headSizes),
            new Kind("duplicate_token", GgufMutations::duplicateToken),
            new Kind("tokenizer_model", (m, a, r) -> set("tokenizer.ggml.model", GgufValueType.STRING,
                    pick(r, "bert", "none", "no_vocab", "t5", "rwkv", "", "gpt3"), "tokenizer_model")),
            new Kind("byte_tokens", GgufMutations::byteTokens),
            new Kind("matmul_type", (m, a, r) -> retype(m, r, pick(r, "blk.0.attn_q.weight", "blk.0.ffn_down.weight",
                    "blk.0.attn_v.weight", "output.weight"), "matmul_type", GgmlType.I32, GgmlType.I8, GgmlType.F64,
                    GgmlType.I16, GgmlType.Q8_1, GgmlType.Q8_K, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0)),
            new Kind("norm_type", (m, a, r) -> retype(m, r, pick(r, "blk.0.attn_norm.weight", "output_norm.weight",
                    "blk.0.ffn_norm.weight"), "norm_type", GgmlType.Q8_0, GgmlType.F16, GgmlType.BF16, GgmlType.I32,
                    GgmlType.F64)),
            new Kind("embedding_type", (m, a, r) -> retype(m, r, "token_embd.weight", "embedding_type", GgmlType.I32,
                    GgmlType.I8, GgmlType.F64, GgmlType.I64)),
            new Kind("alignment", (m, a, r) -> set("general.alignment", GgufValueType.UINT32,
                    (long) pick(r, 1, 2, 4, 8, 16, 64), "alignment")),
            new Kind("rope_freq_base", (m, a, r) -> set(a + ".rope.freq_base", GgufValueType.FLOAT32,
                    pick(r, 0f, -10000f, Float.NaN, Float.POSITIVE_INFINITY), "rope_freq_base")),
            new Kind("yarn", GgufMutations::yarn),
            new Kind("rope_freqs_tensor", GgufMutations::ropeFreqs),
            new Kind("norm_values", (m, a, r) -> poison(m, r, pick(r, "blk.0.attn_norm.weight", "output_norm.weight",
                    "blk.1.ffn_norm.weight"), "norm_values")),
            new Kind("embedding_values", (m, a, r) -> poison(m, r, "token_embd.weight", "embedding_values")),
            new Kind("retyped_without_data", GgufMutations::retypedWithoutData),
            new Kind("sizes", GgufMutations::sizes),
            new Kind("missing_key", (m, a, r) -> {
                String key = pick(r, "general.architecture", a + ".block_count", a + ".embedding_length",
                        a + ".attention.head_count", a + ".context_length", "tokenizer.ggml.tokens",
                        "tokenizer.ggml.model", a + ".attention.layer_norm_rms_epsilon", "tokenizer.ggml.scores");
                return new Mutation("missing_key", "remove " + key, g -> g.metadata.remove(key));
            }),
            new Kind("key_type", GgufMutations::keyType),
            new Kind("architecture", (m, a, r) -> set("general.architecture", GgufValueType.STRING,
                    pick(r, "bert", "gpt2", "bogus", "mamba", "qwen2", "gemma3", "LLAMA"), "architecture")),
            new Kind("tensor_shape", GgufMutations::tensorShape),
            new Kind("special_tokens", GgufMutations::specialTokens));

    private GgufMutations() {}

    static List<String> kinds() {
        return KINDS.stream().map(Kind::name).toList();
    }

    /** A mutation of class {@code kind} for {@code model}, drawn from {@code random}. */
    static Mutation draw(String kind, EditableGguf model, SplittableRandom random) {
        String arch = (String) model.metadata.get("general.architecture").value();
        for (Kind k : KINDS) {
            if (k.name.equals(kind)) {
                return k.drawer.draw(model, arch, random);
            }
        }
        throw new IllegalArgumentException(kind);
    }

    private static Mutation blockCount(EditableGguf m, String a, SplittableRandom r) {
        long blocks = blocks(m, a);
        return set(a + ".block_count", GgufValueType.UINT32,
                pick(r, 0L, 100_000L, 0xFFFF_FFFFL, 513L, blocks + 1, blocks - 1), "block_count");
    }

    private static Mutation experts(EditableGguf m, String a, SplittableRandom r) {
        int variant = r.nextInt(5);
        return new Mutation("experts", "variant " + variant, g -> {
            switch (variant) {
                case 0 -> put(g, a + ".expert_count", GgufValueType.UINT32, 8L);
                case 1 -> put(g, a + ".expert_used_count", GgufValueType.UINT32, 2L);
                case 2 -> {
                    put(g, a + ".expert_count", GgufValueType.UINT32, 4L);
                    put(g, a + ".expert_used_count", GgufValueType.UINT32, 8L);
                }
                case 3 -> put(g, a + ".expert_group_count", GgufValueType.UINT32, 2L);
                default -> {
                    put(g, a + ".expert_count", GgufValueType.UINT32, 2000L);
                    put(g, a + ".expert_used_count", GgufValueType.UINT32, 2L);
                }
            }
        });
    }

    private static Mutation headCountKv(EditableGguf m, String a, SplittableRandom r) {
        long heads = heads(m, a);
        int blocks = (int) blocks(m, a);
        int variant = r.nextInt(4);
        return new Mutation("head_count_kv", "variant " + variant, g -> {
            String key = a + ".attention.head_count_kv";
            switch (variant) {
                case 0 -> put(g, key, GgufValueType.UINT32, heads + 1);
                case 1 -> put(g, key, GgufValueType.UINT32, heads * 2);
                case 2 -> put(g, key, GgufValueType.UINT32, 0L);
                default -> {
                    List<Object> perLayer = new ArrayList<>(Collections.nCopies(blocks, heads));
                    perLayer.set(blocks - 1, 0L);
                    put(g, key, GgufValueType.ARRAY, new GgufArray(GgufValueType.UINT32, perLayer));
                }
            }
        });
    }

    private static Mutation headCount(EditableGguf m, String a, SplittableRandom r) {
        long heads = heads(m, a);
        int blocks = (int) blocks(m, a);
        int variant = r.nextInt(4);
        return new Mutation("head_count", "variant " + variant, g -> {
            String key = a + ".attention.head_count";
            switch (variant) {
                case 0 -> put(g, key, GgufValueType.UINT32, 0L);
                case 1 -> put(g, key, GgufValueType.UINT32, heads + 1);
                case 2 -> put(g, key, GgufValueType.ARRAY, new GgufArray(GgufValueType.UINT32,
                        new ArrayList<>(Collections.nCopies(blocks + 1, heads))));
                default -> {
                    List<Object> perLayer = new ArrayList<>(Collections.nCopies(blocks, heads));
                    perLayer.set(0, 0L);
                    put(g, key, GgufValueType.ARRAY, new GgufArray(GgufValueType.UINT32, perLayer));
                }
            }
        });
    }

    private static Mutation headSizes(EditableGguf m, String a, SplittableRandom r) {
        long head = headSize(m, a);
        int variant = r.nextInt(5);
        return new Mutation("head_sizes", "variant " + variant, g -> {
            switch (variant) {
                case 0 -> put(g, a + ".attention.value_length", GgufValueType.UINT32, head / 2);
                case 1 -> put(g, a + ".attention.key_length", GgufValueType.UINT32, head + 2);
                case 2 -> put(g, a + ".rope.dimension_count", GgufValueType.UINT32, head - 1);
                case 3 -> put(g, a + ".rope.dimension_count", GgufValueType.UINT32, head * 2);
                default -> put(g, a + ".attention.key_length", GgufValueType.UINT32, 0L);
            }
        });
    }

    private static Mutation duplicateToken(EditableGguf m, String a, SplittableRandom r) {
        List<Object> tokens = tokens(m);
        int from = r.nextInt(tokens.size());
        int to = r.nextInt(tokens.size());
        boolean flip = r.nextBoolean();
        int bit = r.nextInt(7);
        return new Mutation("duplicate_token", (flip ? "flip a bit of token " : "copy token " + from + " to ") + to,
                g -> {
                    List<Object> copy = new ArrayList<>(tokens(g));
                    if (flip) {
                        // A flipped low bit in the first ASCII character often makes another token's string.
                        String text = (String) copy.get(to);
                        if (!text.isEmpty() && text.charAt(0) < 128) {
                            copy.set(to, (char) (text.charAt(0) ^ (1 << bit)) + text.substring(1));
                        }
                    } else if (from != to) {
                        copy.set(to, copy.get(from));
                    } else {
                        copy.set(to, copy.get((to + 1) % copy.size()));
                    }
                    put(g, "tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, copy));
                });
    }

    private static Mutation byteTokens(EditableGguf m, String a, SplittableRandom r) {
        int variant = r.nextInt(3);
        int b = r.nextInt(256);
        return new Mutation("byte_tokens", "variant " + variant + " byte " + b, g -> {
            List<Object> copy = new ArrayList<>(tokens(g));
            String hex = String.format(Locale.ROOT, "<0x%02X>", b);
            switch (variant) {
                case 0 -> { // rename one byte token
                    int at = copy.indexOf(hex);
                    if (at >= 0) {
                        copy.set(at, "<byte" + b + ">");
                    }
                }
                case 1 -> { // rename them all
                    for (int i = 0; i < copy.size(); i++) {
                        if (((String) copy.get(i)).startsWith("<0x")) {
                            copy.set(i, "[b" + i + "]");
                        }
                    }
                }
                default -> { // type a short token as a byte token
                    EditableGguf.Value types = g.metadata.get("tokenizer.ggml.token_type");
                    if (types != null) {
                        List<Object> typeCopy = new ArrayList<>(((GgufArray) types.value()).values());
                        int at = Math.min(typeCopy.size() - 1, 300 + b);
                        typeCopy.set(at, 6L);
                        copy.set(at, "x");
                        put(g, "tokenizer.ggml.token_type", GgufValueType.ARRAY,
                                new GgufArray(GgufValueType.INT32, typeCopy));
                    }
                }
            }
            put(g, "tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufArray(GgufValueType.STRING, copy));
        });
    }

    /** Retypes a tensor and gives it zero bytes of the new type's size (zeros decode to 0.0 in every type). */
    private static Mutation retype(EditableGguf m, SplittableRandom r, String name, String kind, GgmlType... types) {
        GgmlType type = types[r.nextInt(types.length)];
        return new Mutation(kind, name + " as " + type.ggmlName(), g -> {
            EditableGguf.Tensor tensor = g.tensor(name);
            long elements = 1;
            for (long d : tensor.dims) {
                elements *= d;
            }
            if (elements % type.blockSize() != 0) {
                return;
            }
            tensor.type = type;
            tensor.data = MemorySegment.ofArray(new byte[(int) type.byteSize(elements)]);
        });
    }

    private static Mutation retypedWithoutData(EditableGguf m, String a, SplittableRandom r) {
        String name = pick(r, "output.weight", "blk.0.attn_q.weight", "output_norm.weight", "token_embd.weight");
        GgmlType type = pick(r, GgmlType.F16, GgmlType.BF16, GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_0);
        return new Mutation("retyped_without_data", name + " labelled " + type.ggmlName(), g -> {
            EditableGguf.Tensor tensor = g.tensor(name);
            if (tensor.dims[0] % type.blockSize() == 0) {
                tensor.type = type;
            }
        });
    }

    private static Mutation yarn(EditableGguf m, String a, SplittableRandom r) {
        String key = pick(r, "rope.scaling.factor", "rope.scaling.yarn_ext_factor", "rope.scaling.attn_factor",
                "rope.scaling.yarn_beta_fast", "rope.scaling.yarn_log_multiplier");
        float value = pick(r, Float.NaN, Float.POSITIVE_INFINITY, -4f);
        return new Mutation("yarn", key + " = " + value, g -> {
            put(g, a + ".rope.scaling.type", GgufValueType.STRING, "yarn");
            put(g, a + "." + key, GgufValueType.FLOAT32, value);
            put(g, a + ".rope.scaling.original_context_length", GgufValueType.UINT32, 128L);
        });
    }

    /** Adds (or overwrites) a rope_freqs tensor of zeros, NaN or negative factors. */
    private static Mutation ropeFreqs(EditableGguf m, String a, SplittableRandom r) {
        float value = pick(r, 0f, Float.NaN, -1f, Float.POSITIVE_INFINITY);
        long half = headSize(m, a) / 2;
        return new Mutation("rope_freqs_tensor", "rope_freqs.weight filled with " + value, g -> {
            float[] values = new float[(int) half];
            Arrays.fill(values, value);
            g.tensors.removeIf(t -> t.name.equals("rope_freqs.weight"));
            g.tensors.add(new EditableGguf.Tensor("rope_freqs.weight", new long[] {half}, GgmlType.F32,
                    f32(values)));
        });
    }

    /** Writes NaN or Inf into one element of an F32 or F16 tensor (others are left as they are). */
    private static Mutation poison(EditableGguf m, SplittableRandom r, String name, String kind) {
        float value = pick(r, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        double where = r.nextDouble();
        return new Mutation(kind, name + " gets a " + value, g -> {
            EditableGguf.Tensor tensor = g.tensor(name);
            if (tensor.type != GgmlType.F32 && tensor.type != GgmlType.F16) {
                return;
            }
            byte[] bytes = tensor.data.toArray(ValueLayout.JAVA_BYTE);
            MemorySegment copy = MemorySegment.ofArray(bytes);
            int size = tensor.type == GgmlType.F32 ? 4 : 2;
            long index = (long) (where * (bytes.length / size));
            if (name.equals("token_embd.weight")) {
                // Rows the fuzz prompts use: BOS of a SentencePiece vocabulary (1) and "a" in GPT-2's (64).
                index = (index % 2 == 0 ? 1 : 64) * tensor.dims[0] + index % tensor.dims[0];
            }
            if (size == 4) {
                copy.set(LE_FLOAT, index * 4, value);
            } else {
                copy.set(LE_SHORT, index * 2, Float.floatToFloat16(value));
            }
            tensor.data = copy;
        });
    }

    private static Mutation sizes(EditableGguf m, String a, SplittableRandom r) {
        String key = pick(r, "context_length", "embedding_length", "feed_forward_length",
                "rope.scaling.original_context_length");
        long value = pick(r, 0L, 1L, 3L, 0xFFFF_FFFFL, 1L << 20);
        return set(a + "." + key, GgufValueType.UINT32, value, "sizes");
    }

    private static Mutation keyType(EditableGguf m, String a, SplittableRandom r) {
        String key = pick(r, a + ".block_count", a + ".embedding_length", a + ".attention.head_count",
                a + ".rope.freq_base", a + ".attention.layer_norm_rms_epsilon", "tokenizer.ggml.model",
                "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "general.alignment");
        int variant = r.nextInt(5);
        return new Mutation("key_type", key + " variant " + variant, g -> {
            EditableGguf.Value old = g.metadata.get(key);
            long number = old != null && old.value() instanceof Number n ? n.longValue() : 7;
            switch (variant) {
                case 0 -> put(g, key, GgufValueType.INT32, number);
                case 1 -> put(g, key, GgufValueType.UINT64, number);
                case 2 -> put(g, key, GgufValueType.FLOAT32, (float) number);
                case 3 -> put(g, key, GgufValueType.STRING, Long.toString(number));
                default -> put(g, key, GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, List.of(1f, 2f)));
            }
        });
    }

    private static Mutation tensorShape(EditableGguf m, String a, SplittableRandom r) {
        int variant = r.nextInt(4);
        String name = pick(r, "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.ffn_up.weight",
                "token_embd.weight", "blk.0.attn_norm.weight");
        return new Mutation("tensor_shape", name + " variant " + variant, g -> {
            EditableGguf.Tensor tensor = g.tensor(name);
            switch (variant) {
                case 0 -> { // transpose: same bytes, other shape
                    if (tensor.dims.length == 2 && tensor.dims[1] % tensor.type.blockSize() == 0) {
                        tensor.dims = new long[] {tensor.dims[1], tensor.dims[0]};
                    }
                }
                case 1 -> g.tensors.remove(tensor);
                case 2 -> tensor.name = "blk.99." + name.substring(name.indexOf('.', 4) + 1);
                default -> { // an extra unit dimension
                    long[] dims = Arrays.copyOf(tensor.dims, tensor.dims.length + 1);
                    dims[dims.length - 1] = 1;
                    if (dims.length <= 4) {
                        tensor.dims = dims;
                    }
                }
            }
        });
    }

    private static Mutation specialTokens(EditableGguf m, String a, SplittableRandom r) {
        String key = "tokenizer.ggml." + pick(r, "bos", "eos", "unk", "pad") + "_token_id";
        long id = pick(r, (long) tokens(m).size(), 0xFFFF_FFFFL, 1L << 31);
        boolean add = r.nextBoolean();
        return new Mutation("special_tokens", key + " = " + id + (add ? " with add_bos and add_eos" : ""), g -> {
            put(g, key, GgufValueType.UINT32, id);
            if (add) {
                put(g, "tokenizer.ggml.add_bos_token", GgufValueType.BOOL, true);
                put(g, "tokenizer.ggml.add_eos_token", GgufValueType.BOOL, true);
            }
        });
    }

    private static Mutation set(String key, GgufValueType type, Object value, String kind) {
        return new Mutation(kind, key + " = " + value, g -> put(g, key, type, value));
    }

    private static void put(EditableGguf g, String key, GgufValueType type, Object value) {
        g.metadata.put(key, new EditableGguf.Value(type, value));
    }

    private static long blocks(EditableGguf m, String a) {
        return number(m, a + ".block_count", 2);
    }

    private static long heads(EditableGguf m, String a) {
        return number(m, a + ".attention.head_count", 4);
    }

    private static long headSize(EditableGguf m, String a) {
        long fallback = number(m, a + ".embedding_length", 64) / Math.max(1, heads(m, a));
        return number(m, a + ".attention.key_length", fallback);
    }

    private static long number(EditableGguf m, String key, long fallback) {
        EditableGguf.Value value = m.metadata.get(key);
        return value != null && value.value() instanceof Long n ? n : fallback;
    }

    private static List<Object> tokens(EditableGguf m) {
        return ((GgufArray) m.metadata.get("tokenizer.ggml.tokens").value()).values();
    }

    private static MemorySegment f32(float[] values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            segment.set(LE_FLOAT, 4L * i, values[i]);
        }
        return segment;
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
