package dev.strata.gguf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a GGUF model against what llama.cpp v0.5.0 accepts, before llama.cpp sees it. {@link GgufFile#open} checks
 * that the file is well-formed GGUF; this checks that llama.cpp can run it: the hyperparameter asserts of
 * {@code llama_model_base::load_hparams}, the vocabulary loader's, the tensor types ggml's CPU ops take, and the
 * values that load without complaint but make every activation NaN (a zero or NaN rope base, NaN in a norm weight).
 * Small tensors (1-dimensional ones: norms, biases, rope factors) are read; matrices are not.
 */
public final class Preflight {
    /** One finding: {@code subject} (a key or tensor) has the value {@code found}; {@code allowed} says what would do. */
    public record Problem(String subject, String found, String allowed) {
        @Override
        public String toString() {
            return subject + " is " + found + "; allowed: " + allowed;
        }
    }

    /** llama-hparams.h: LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS. */
    static final int MAX_LAYERS = 512;
    static final int MAX_EXPERTS = 1024;
    /** llama-model.cpp: LLAMA_ROPE_SCALING_TYPES. */
    static final List<String> ROPE_SCALING_TYPES = List.of("none", "linear", "yarn", "longrope");
    /** The tokenizers strata runs: SentencePiece ("llama") and byte-level BPE ("gpt2"). */
    static final List<String> TOKENIZERS = List.of("llama", "gpt2");
    /**
     * Architectures whose every block is attention over head_count heads and a feed-forward, with the standard tensor
     * names: for these, heads, head sizes and tensor shapes are checked in full.
     */
    static final Set<String> DENSE_ATTENTION = Set.of("llama", "qwen2", "qwen3", "gemma", "gemma2", "gemma3");
    /** Weight types ggml's CPU matrix multiply has a dot product for (ggml-cpu.c, type_traits_cpu). */
    static final Set<GgmlType> MATMUL_TYPES = EnumSet.complementOf(EnumSet.of(
            GgmlType.Q8_1, GgmlType.Q8_K, GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64, GgmlType.F64));
    /** llama.cpp's CPU buffers hold tensor data at 32-byte aligned addresses (ggml-backend, TENSOR_ALIGNMENT). */
    static final long MIN_ALIGNMENT = 32;
    /**
     * 1-dimensional tensors up to this many elements are read for NaN and Inf: every norm, bias and rope factor.
     * Matrices are not read (NaN or Inf there reaches the activations, where extraction's own check stops it).
     */
    static final long MAX_SCANNED_ELEMENTS = 1 << 22;
    /** llama-vocab.cpp: LLAMA_TOKEN_TYPE_BYTE, whose text must be "<0xHH>". */
    static final long TOKEN_TYPE_BYTE = 6;
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    private static final Pattern BLOCK_TENSOR = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    private final GgufFile gguf;
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    private final String arch;

    private Preflight(GgufFile gguf) {
        this.gguf = gguf;
        this.arch = gguf.string("general.architecture").orElse("");
    }

    /** Every problem found, in the order llama.cpp would meet them; empty when the file should run. */
    public static List<Problem> check(GgufFile gguf) {
        Preflight preflight = new Preflight(gguf);
        preflight.run();
        return List.copyOf(preflight.problems);
    }

    /** Throws, naming the file and the first problem, unless the file passes every check. */
    public static void require(GgufFile gguf) throws PreflightException {
        List<Problem> problems = check(gguf);
        if (!problems.isEmpty()) {
            throw new PreflightException(gguf.path(), problems);
        }
    }

    private void run() {
        if (gguf.type("general.architecture").orElse(null) != GgufValueType.STRING || arch.isEmpty()) {
            add("general.architecture", describe("general.architecture"), "the architecture's name, e.g. llama");
            return;
        }
        Hyperparameters hp = hyperparameters();
        vocabulary();
        tensors(hp);
    }

    /** What the shape checks need; heads and feed-forward widths per layer, null where unknown. */
    private record Hyperparameters(long layers, long width, long[] heads, long[] kvHeads, long[] ffn, long keyLength,
            long valueLength) {}

    private Hyperparameters hyperparameters() {
        boolean dense = DENSE_ATTENTION.contains(arch);
        long width = positive(key("embedding_length"), true).orElse(-1);
        positive(key("context_length"), true);
        OptionalLong blocks = uint32(key("block_count"), true);
        long layers = -1;
        if (blocks.isPresent()) {
            layers = blocks.getAsLong();
            if (layers < 1 || layers > MAX_LAYERS) {
                add(key("block_count"), Long.toString(layers), "1 to " + MAX_LAYERS);
                layers = -1;
            }
        }
        uint32(key("nextn_predict_layers"), false).ifPresent(nextn -> {
            if (blocks.isPresent() && nextn > blocks.getAsLong()) {
                add(key("nextn_predict_layers"), Long.toString(nextn), "at most block_count (" + blocks.getAsLong() + ")");
            }
        });
        ropeAndNorms();
        if (layers < 0) {
            return new Hyperparameters(-1, width, null, null, null, -1, -1);
        }
        experts((int) layers);
        long[] ffn = perLayer(key("feed_forward_length"), (int) layers);
        long[] heads = perLayer(key("attention.head_count"), (int) layers);
        long[] kvHeads = gguf.get(key("attention.head_count_kv")).isPresent()
                ? perLayer(key("attention.head_count_kv"), (int) layers)
                : heads;
        if (heads == null) {
            if (dense && !gguf.get(key("attention.head_count")).isPresent()) {
                add(key("attention.head_count"), "missing", "the number of attention heads");
            }
            return new Hyperparameters(layers, width, null, null, ffn, -1, -1);
        }
        if (kvHeads != null && !heads(heads, kvHeads, dense)) {
            kvHeads = null;
        }
        long keyLength = -1;
        long valueLength = -1;
        if (heads[0] > 0 && width > 0) {
            if (dense && width % heads[0] != 0 && gguf.get(key("attention.key_length")).isEmpty()) {
                add(key("embedding_length"), width + " with " + heads[0] + " heads",
                        "a multiple of attention.head_count, or an attention.key_length");
            }
            keyLength = positive(key("attention.key_length"), false).orElse(width / heads[0]);
            valueLength = positive(key("attention.value_length"), false).orElse(width / heads[0]);
            if (dense && keyLength != valueLength) {
                add(key("attention.value_length"), Long.toString(valueLength),
                        "equal to attention.key_length (" + keyLength + ") for " + arch);
            }
            rotaryDimensions(keyLength, dense);
        }
        return new Hyperparameters(layers, width, heads, kvHeads, ffn, keyLength, valueLength);
    }

    /** Heads per layer: KV heads must divide the query heads (llama.cpp divides by both); false if they do not. */
    private boolean heads(long[] heads, long[] kvHeads, boolean dense) {
        String headKey = key("attention.head_count");
        String kvKey = key("attention.head_count_kv");
        for (int layer = 0; layer < heads.length; layer++) {
            long h = heads[layer];
            long kv = kvHeads[layer];
            if (h == 0) {
                if (dense) {
                    add(element(headKey, layer), "0", "1 or more: every " + arch + " block has attention");
                    return false;
                }
                continue;
            }
            if (kv == 0 || kv > h || h % kv != 0) {
                add(element(kvKey, layer), kv + " with " + h + " heads", "a divisor of head_count");
                return false;
            }
        }
        return true;
    }

    private void rotaryDimensions(long keyLength, boolean dense) {
        String key = key("rope.dimension_count");
        long rotary = uint32(key, false).orElse(keyLength);
        if (arch.equals("llama") && rotary != keyLength) {
            add(key, Long.toString(rotary), "the head size " + keyLength + " (llama.cpp requires it for llama)");
        } else if (dense && (rotary <= 0 || rotary > keyLength || rotary % 2 != 0)) {
            add(key, Long.toString(rotary), "an even number from 2 to the head size " + keyLength);
        }
    }

    /** load_hparams' expert asserts, and a mixture of experts needs its router tensors. */
    private void experts(int layers) {
        long experts = uint32(key("expert_count"), false).orElse(0);
        long[] used = perLayer(key("expert_used_count"), layers);
        long usedMax = used == null ? 0 : Arrays.stream(used).max().orElse(0);
        long groups = uint32(key("expert_group_count"), false).orElse(0);
        long groupsUsed = uint32(key("expert_group_used_count"), false).orElse(0);
        if (experts > MAX_EXPERTS) {
            add(key("expert_count"), Long.toString(experts), "at most " + MAX_EXPERTS);
        } else if (experts > 0) {
            if (usedMax == 0 || usedMax > experts) {
                add(key("expert_used_count"), Long.toString(usedMax), "1 to expert_count (" + experts + ")");
            }
            if (groups >= experts) {
                add(key("expert_group_count"), Long.toString(groups), "less than expert_count (" + experts + ")");
            } else if (groups > 1 && experts % groups != 0) {
                add(key("expert_group_count"), Long.toString(groups), "a divisor of expert_count (" + experts + ")");
            } else if (groups > 1 && (groupsUsed == 0 || groupsUsed >= groups)) {
                add(key("expert_group_used_count"), Long.toString(groupsUsed),
                        "1 to expert_group_count - 1 (" + (groups - 1) + ")");
            }
            if (gguf.tensors().stream().noneMatch(t -> t.name().contains("ffn_gate_inp"))) {
                add(key("expert_count"), experts + " in a file without expert router tensors (ffn_gate_inp)",
                        "0 for a dense model");
            }
        } else {
            if (usedMax != 0) {
                add(key("expert_used_count"), Long.toString(usedMax), "0 in a model without experts");
            }
            if (groups != 0) {
                add(key("expert_group_count"), Long.toString(groups), "0 in a model without experts");
            }
        }
    }

    /** Rope and norm settings llama.cpp takes without complaint and then turns into NaN or Inf. */
    private void ropeAndNorms() {
        for (String base : List.of("rope.freq_base", "rope.freq_base_swa")) {
            float32(key(base)).ifPresent(value -> {
                if (!(value > 0) || Float.isInfinite(value)) {
                    add(key(base), format(value), "a finite number above 0");
                }
            });
        }
        String scaling = key("rope.scaling.type");
        gguf.type(scaling).ifPresent(type -> {
            String name = gguf.string(scaling).orElse(null);
            if (name == null || !ROPE_SCALING_TYPES.contains(name)) {
                add(scaling, describe(scaling), "one of " + String.join(", ", ROPE_SCALING_TYPES));
            }
        });
        for (String factor : List.of("rope.scaling.factor", "rope.scale_linear")) {
            float32(key(factor)).ifPresent(value -> {
                if (!(value >= 0) || Float.isInfinite(value)) {
                    add(key(factor), format(value), "a finite number, 0 or above (0: no scaling)");
                }
            });
        }
        uint32(key("rope.scaling.original_context_length"), false).ifPresent(length -> {
            if (length == 0) {
                add(key("rope.scaling.original_context_length"), "0", "1 or more");
            }
        });
        for (String epsilon : List.of("attention.layer_norm_rms_epsilon", "attention.layer_norm_epsilon")) {
            float32(key(epsilon)).ifPresent(value -> {
                if (!(value >= 0) || Float.isInfinite(value)) {
                    add(key(epsilon), format(value), "a finite number, 0 or above");
                }
            });
        }
        // Every other float setting of the architecture (YaRN factors, soft-capping, scales) must at least be finite.
        for (Map.Entry<String, Object> entry : gguf.metadata().entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(arch + ".") && !reported.contains(key)) {
                nonFinite(entry.getValue()).ifPresent(value -> add(key, value, "a finite number"));
            }
        }
    }

    private static Optional<String> nonFinite(Object value) {
        if (value instanceof Float f && !Float.isFinite(f)) {
            return Optional.of(format(f));
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            return Optional.of(d.toString());
        }
        if (value instanceof GgufArray array) {
            List<Object> values = array.values();
            for (int i = 0; i < values.size(); i++) {
                Optional<String> bad = nonFinite(values.get(i));
                if (bad.isPresent()) {
                    return Optional.of(bad.get() + " at index " + i);
                }
            }
        }
        return Optional.empty();
    }

    private void vocabulary() {
        String modelKey = "tokenizer.ggml.model";
        String model = gguf.string(modelKey).orElse(null);
        if (model == null || !TOKENIZERS.contains(model)) {
            add(modelKey, describe(modelKey), "one of " + String.join(", ", TOKENIZERS)
                    + " (the tokenizers strata runs)");
        }
        String tokensKey = "tokenizer.ggml.tokens";
        Optional<GgufArray> tokens = gguf.array(tokensKey);
        if (tokens.isEmpty() || tokens.get().elementType() != GgufValueType.STRING || tokens.get().size() == 0) {
            add(tokensKey, describe(tokensKey), "a non-empty array of strings, one per token");
            return;
        }
        List<Object> texts = tokens.get().values();
        int count = texts.size();
        Map<String, Integer> ids = new HashMap<>(count * 2);
        int duplicates = 0;
        String firstDuplicate = null;
        for (int id = 0; id < count; id++) {
            String text = (String) texts.get(id);
            // llama-vocab.cpp renames empty tokens this way before indexing them.
            String indexed = text.isEmpty() ? "[EMPTY_" + id + "]" : text;
            Integer earlier = ids.putIfAbsent(indexed, id);
            if (earlier != null && duplicates++ == 0) {
                firstDuplicate = "has " + GgufFile.quote(text) + " at " + earlier + " and " + id;
            }
        }
        if (duplicates > 0) {
            add(tokensKey, firstDuplicate + (duplicates > 1 ? " (" + duplicates + " repeats in all)" : ""),
                    "each token string once (llama.cpp aborts on a repeat)");
        }
        arrayOfAtLeast("tokenizer.ggml.scores", count, EnumSet.of(GgufValueType.FLOAT32, GgufValueType.INT32));
        boolean typesOk = arrayOfAtLeast("tokenizer.ggml.token_type", count, EnumSet.of(GgufValueType.INT32));
        if ("llama".equals(model)) {
            if (typesOk) {
                byteTokenTexts(texts);
            }
            byteFallback(ids);
        }
        specialTokens(model, count);
    }

    /** Present arrays must have the element type llama.cpp reads and an entry for every token. */
    private boolean arrayOfAtLeast(String key, int count, Set<GgufValueType> elementTypes) {
        if (gguf.type(key).isEmpty()) {
            return false;
        }
        Optional<GgufArray> array = gguf.array(key);
        if (array.isEmpty() || !elementTypes.contains(array.get().elementType()) || array.get().size() < count) {
            add(key, describe(key), "an array of " + elementTypes.stream().map(t -> t.name().toLowerCase(Locale.ROOT))
                    .reduce((a, b) -> a + " or " + b).orElseThrow() + " with an entry for each of the " + count
                    + " tokens");
            return false;
        }
        return true;
    }

    /** A token typed BYTE is decoded by reading the two hex digits of its "<0xHH>" text. */
    private void byteTokenTexts(List<Object> texts) {
        List<Object> types = gguf.array("tokenizer.ggml.token_type").orElseThrow().values();
        for (int id = 0; id < texts.size(); id++) {
            if ((Long) types.get(id) == TOKEN_TYPE_BYTE && !BYTE_TOKEN.matcher((String) texts.get(id)).matches()) {
                add("tokenizer.ggml.tokens[" + id + "]", GgufFile.quote((String) texts.get(id)) + ", typed as a byte",
                        "<0xHH> for a byte token");
                return;
            }
        }
    }

    /** SentencePiece falls back to one token per byte for text its pieces do not cover: all 256 must exist. */
    private void byteFallback(Map<String, Integer> ids) {
        int missing = 0;
        String first = null;
        for (int b = 0; b < 256; b++) {
            String hex = String.format(Locale.ROOT, "<0x%02X>", b);
            if (!ids.containsKey(hex) && (b >= 128 || !ids.containsKey(String.valueOf((char) b)))) {
                if (missing++ == 0) {
                    first = hex;
                }
            }
        }
        if (missing > 0) {
            add("tokenizer.ggml.tokens", "without the byte token " + first + (missing > 1 ? " and " + (missing - 1)
                    + " more" : ""), "all 256 byte tokens <0x00> to <0xFF>, which the llama tokenizer falls back on");
        }
    }

    /** Tokenizing with BOS (or EOS) asserts that the token exists; an id past the vocabulary leaves none. */
    private void specialTokens(String model, int count) {
        boolean spm = "llama".equals(model);
        checkSpecial("bos", gguf.bool("tokenizer.ggml.add_bos_token").orElse(spm), spm ? 1 : -1, count);
        checkSpecial("eos", gguf.bool("tokenizer.ggml.add_eos_token").orElse(false), spm ? 2 : -1, count);
    }

    private void checkSpecial(String which, boolean added, long defaultId, int count) {
        if (!added) {
            return;
        }
        String key = "tokenizer.ggml." + which + "_token_id";
        OptionalLong id = uint32(key, false);
        boolean defaultUsable = defaultId >= 0 && defaultId < count;
        if (id.isPresent() && id.getAsLong() >= count && !defaultUsable) {
            add(key, Long.toString(id.getAsLong()), "a token id below the vocabulary size " + count);
        } else if (gguf.type(key).isEmpty() && !defaultUsable) {
            add(key, "missing", "a token id below the vocabulary size " + count + " (the tokenizer adds this token)");
        }
    }

    private void tensors(Hyperparameters hp) {
        if (gguf.alignment() % MIN_ALIGNMENT != 0) {
            add(GgufFile.ALIGNMENT_KEY, Long.toString(gguf.alignment()),
                    "a multiple of " + MIN_ALIGNMENT + " (llama.cpp's CPU buffers need aligned tensor data)");
        }
        boolean dense = DENSE_ATTENTION.contains(arch);
        if (dense && gguf.tensor("token_embd.weight").isEmpty()) {
            add("tensor 'token_embd.weight'", "missing", "the token embedding matrix");
        }
        for (GgufFile.TensorInfo tensor : gguf.tensors()) {
            String subject = "tensor " + GgufFile.quote(tensor.name());
            if (tensor.dims().length == 1 && tensor.type() != GgmlType.F32) {
                add(subject + " type", tensor.type().ggmlName(),
                        "f32 (llama.cpp's CPU norm, bias and scale ops take 1-dimensional tensors as f32)");
            } else if (tensor.dims().length > 1 && !MATMUL_TYPES.contains(tensor.type())) {
                add(subject + " type", tensor.type().ggmlName(),
                        "f32, f16, bf16 or a quantized type (the types ggml's CPU matrix multiply takes)");
            } else if (tensor.dims().length == 1 && tensor.elementCount() <= MAX_SCANNED_ELEMENTS) {
                values(tensor, subject);
            }
            if (dense) {
                expectedShape(tensor.name(), hp).ifPresent(expected -> {
                    if (!Arrays.equals(expected, tensor.dims())) {
                        add(subject + " shape", Arrays.toString(tensor.dims()),
                                Arrays.toString(expected) + " for " + arch + " with these hyperparameters");
                    }
                });
            }
        }
    }

    /** NaN or Inf in a norm weight or bias reaches every activation; rope factors also divide, so 0 is out too. */
    private void values(GgufFile.TensorInfo tensor, String subject) {
        float[] values = gguf.floats(tensor);
        boolean divisor = tensor.name().contains("rope_freqs") || tensor.name().contains("rope_factors");
        int bad = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i]) || (divisor && !(values[i] > 0))) {
                if (bad++ == 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            add(subject, bad + " bad value" + (bad > 1 ? "s" : "") + " (first " + format(values[first]) + " at index "
                    + first + ")", divisor ? "finite numbers above 0 (rope frequency factors)" : "finite numbers");
        }
    }

    /** The shape llama.cpp's loader asks for, for the tensors every dense-attention architecture shares. */
    private Optional<long[]> expectedShape(String name, Hyperparameters hp) {
        long width = hp.width();
        long vocabulary = gguf.array("tokenizer.ggml.tokens").map(GgufArray::size).orElse(-1);
        if (width <= 0) {
            return Optional.empty();
        }
        switch (name) {
            case "token_embd.weight", "output.weight" -> {
                return vocabulary > 0 ? Optional.of(new long[] {width, vocabulary}) : Optional.empty();
            }
            case "output_norm.weight" -> {
                return Optional.of(new long[] {width});
            }
            default -> { }
        }
        var block = BLOCK_TENSOR.matcher(name);
        if (!block.matches() || hp.layers() < 0 || block.group(1).length() > 4) {
            return Optional.empty();
        }
        int layer = Integer.parseInt(block.group(1));
        if (layer >= hp.layers()) {
            return Optional.empty();
        }
        long k = hp.keyLength();
        long v = hp.valueLength();
        boolean attention = hp.heads() != null && hp.kvHeads() != null && k > 0;
        long heads = attention ? hp.heads()[layer] : -1;
        long kvHeads = attention ? hp.kvHeads()[layer] : -1;
        long ffn = hp.ffn() == null ? -1 : hp.ffn()[layer];
        long[] shape = switch (block.group(2)) {
            case "attn_norm.weight", "ffn_norm.weight" -> new long[] {width};
            case "attn_q.weight" -> attention ? new long[] {width, k * heads} : null;
            case "attn_k.weight" -> attention ? new long[] {width, k * kvHeads} : null;
            case "attn_v.weight" -> attention ? new long[] {width, v * kvHeads} : null;
            case "attn_output.weight" -> attention ? new long[] {v * heads, width} : null;
            case "ffn_gate.weight", "ffn_up.weight" -> ffn > 0 ? new long[] {width, ffn} : null;
            case "ffn_down.weight" -> ffn > 0 ? new long[] {ffn, width} : null;
            default -> null;
        };
        return Optional.ofNullable(shape);
    }

    /** A uint32 setting: the only type llama.cpp's loader reads these keys as. */
    private OptionalLong uint32(String key, boolean required) {
        Optional<GgufValueType> type = gguf.type(key);
        if (type.isEmpty()) {
            if (required) {
                add(key, "missing", "a uint32");
            }
            return OptionalLong.empty();
        }
        if (type.get() != GgufValueType.UINT32) {
            add(key, describe(key), "a uint32");
            return OptionalLong.empty();
        }
        return gguf.integer(key);
    }

    private OptionalLong positive(String key, boolean required) {
        OptionalLong value = uint32(key, required);
        if (value.isPresent() && value.getAsLong() == 0) {
            add(key, "0", "1 or more");
            return OptionalLong.empty();
        }
        return value;
    }

    private Optional<Float> float32(String key) {
        Optional<GgufValueType> type = gguf.type(key);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        if (type.get() != GgufValueType.FLOAT32) {
            add(key, describe(key), "a float32");
            return Optional.empty();
        }
        return Optional.of((Float) gguf.metadata().get(key));
    }

    /**
     * A per-layer setting: one uint32 for every layer, or an array with one uint32 or int32 per layer (llama.cpp's
     * get_key_or_arr). Null when absent or malformed (then reported).
     */
    private long[] perLayer(String key, int layers) {
        Optional<GgufValueType> type = gguf.type(key);
        if (type.isEmpty()) {
            return null;
        }
        long[] values = new long[layers];
        if (type.get() == GgufValueType.UINT32) {
            Arrays.fill(values, gguf.integer(key).getAsLong());
            return values;
        }
        Optional<GgufArray> array = gguf.array(key);
        if (array.isEmpty() || array.get().size() != layers || (array.get().elementType() != GgufValueType.UINT32
                && array.get().elementType() != GgufValueType.INT32)) {
            add(key, describe(key), "a uint32, or an array of " + layers + " uint32 (one per block)");
            return null;
        }
        for (int i = 0; i < layers; i++) {
            values[i] = (Long) array.get().values().get(i) & 0xFFFFFFFFL;
        }
        return values;
    }

    /** The value at {@code key} as a message shows it: type and value, or "missing". */
    private String describe(String key) {
        Optional<GgufValueType> type = gguf.type(key);
        if (type.isEmpty()) {
            return "missing";
        }
        String typeName = type.get().name().toLowerCase(Locale.ROOT);
        Object value = gguf.metadata().get(key);
        return switch (value) {
            case GgufArray array -> "an array of " + array.size() + " " + array.elementType().name()
                    .toLowerCase(Locale.ROOT);
            case String s -> GgufFile.quote(s);
            case Float f -> format(f) + " (" + typeName + ")";
            case Long n -> (type.get() == GgufValueType.UINT64 ? Long.toUnsignedString(n) : n.toString()) + " ("
                    + typeName + ")";
            default -> value + " (" + typeName + ")";
        };
    }

    private String key(String suffix) {
        return arch + "." + suffix;
    }

    private String element(String key, int layer) {
        return gguf.type(key).orElse(null) == GgufValueType.ARRAY ? key + "[" + layer + "]" : key;
    }

    private static String format(float value) {
        return Float.isNaN(value) ? "NaN" : Float.toString(value);
    }

    private void add(String subject, String found, String allowed) {
        reported.add(subject);
        problems.add(new Problem(subject, found, allowed));
    }
}
