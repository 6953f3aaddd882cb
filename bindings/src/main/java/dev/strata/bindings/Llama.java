package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * llama.h, the parts strata uses: one static method per native function, documented in one line.
 * Handles (model, context, vocab) are opaque {@link MemorySegment}s; {@link #init} must come first.
 */
public final class Llama {
    /** The llama.cpp release these bindings are written and layout-checked against. */
    public static final String RELEASE = "v0.5.0";

    private static boolean initialised;

    private Llama() {}

    /** Loads the libraries from {@code nativeDir}, routes native logs to Java, loads the backends, initialises llama. */
    public static synchronized void init(Path nativeDir) {
        if (initialised) {
            NativeLibrary.load(nativeDir);
            return;
        }
        NativeLibrary.load(nativeDir);
        try (Arena arena = Arena.ofConfined()) {
            H.LOG_SET.invokeExact(NativeLog.STUB, MemorySegment.NULL);
            // Dynamic-backend builds find no backend (not even the CPU) until they are loaded by path.
            H.LOAD_ALL_FROM_PATH.invokeExact(arena.allocateFrom(NativeLibrary.directory().toString()));
            H.BACKEND_INIT.invokeExact();
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Ggml.deviceCount() == 0) {
            throw new NativeException("no ggml backend could be loaded from " + nativeDir + " (is a libggml-cpu*.so there?)");
        }
        initialised = true;
    }

    /** The folder given to {@link #init}, or {@code strata.native.dir}, or {@code STRATA_NATIVE_DIR}. */
    public static Path defaultNativeDir() {
        String dir = System.getProperty("strata.native.dir", System.getenv("STRATA_NATIVE_DIR"));
        if (dir == null) throw new NativeException("no llama.cpp folder configured: set -Dstrata.native.dir or STRATA_NATIVE_DIR");
        return Path.of(dir);
    }

    /** llama_print_system_info: the CPU features and backends in use. */
    public static String systemInfo() {
        try {
            return ((MemorySegment) H.PRINT_SYSTEM_INFO.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---- models

    /** llama_model_load_from_file: loads a GGUF model; throws with the file and llama.cpp's reason on failure. */
    public static MemorySegment modelLoad(Path file, ModelParams params) {
        MemorySegment model;
        try (Arena arena = Arena.ofConfined()) {
            NativeLog.takeFirstError();
            model = (MemorySegment) H.MODEL_LOAD.invokeExact(arena.allocateFrom(file.toString()), params.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (model.equals(MemorySegment.NULL)) {
            String why = NativeLog.takeFirstError();
            throw new NativeException("llama.cpp could not load " + file + (why.isEmpty() ? "" : ": " + why));
        }
        return model;
    }

    /** llama_model_free. */
    public static void modelFree(MemorySegment model) {
        try {
            H.MODEL_FREE.invokeExact(model);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_model_n_layer: number of decoder blocks. */
    public static int modelNLayer(MemorySegment model) {
        return intOf(H.MODEL_N_LAYER, model);
    }

    /** llama_model_n_embd: width of the residual stream. */
    public static int modelNEmbd(MemorySegment model) {
        return intOf(H.MODEL_N_EMBD, model);
    }

    /** llama_model_n_head: attention heads. */
    public static int modelNHead(MemorySegment model) {
        return intOf(H.MODEL_N_HEAD, model);
    }

    /** llama_model_n_head_kv: key/value heads. */
    public static int modelNHeadKv(MemorySegment model) {
        return intOf(H.MODEL_N_HEAD_KV, model);
    }

    /** llama_model_n_ctx_train: the context length the model was trained with. */
    public static int modelNCtxTrain(MemorySegment model) {
        return intOf(H.MODEL_N_CTX_TRAIN, model);
    }

    /** llama_model_n_params: number of weights. */
    public static long modelNParams(MemorySegment model) {
        try {
            return (long) H.MODEL_N_PARAMS.invokeExact(model);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_model_desc: a one-line description (type, size, quantization). */
    public static String modelDesc(MemorySegment model) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int n = (int) H.MODEL_DESC.invokeExact(model, buf, 256L);
            return n < 0 ? "" : buf.getString(0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_model_meta_val_str: a GGUF metadata value as text, if the key exists. */
    public static Optional<String> modelMeta(MemorySegment model, String key) {
        try (Arena arena = Arena.ofConfined()) {
            long size = 256;
            while (true) {
                MemorySegment buf = arena.allocate(size);
                int n = (int) H.MODEL_META_VAL_STR.invokeExact(model, arena.allocateFrom(key), buf, size);
                if (n < 0) return Optional.empty();
                if (n < size) return Optional.of(buf.getString(0));
                size = n + 1L;
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * llama_model_chat_template with no name: the model's {@code tokenizer.chat_template}, if it has one. Read by
     * llama.cpp itself, so the text is exactly what {@link #chatApplyTemplate} is then given.
     */
    public static Optional<String> modelChatTemplate(MemorySegment model) {
        MemorySegment text;
        try {
            text = (MemorySegment) H.MODEL_CHAT_TEMPLATE.invokeExact(model, MemorySegment.NULL);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        return text.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(text.reinterpret(Long.MAX_VALUE).getString(0));
    }

    /** llama_model_get_vocab. */
    public static MemorySegment modelVocab(MemorySegment model) {
        try {
            return (MemorySegment) H.MODEL_GET_VOCAB.invokeExact(model);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---- vocabulary

    /** llama_vocab_n_tokens: vocabulary size. */
    public static int vocabNTokens(MemorySegment vocab) {
        return intOf(H.VOCAB_N_TOKENS, vocab);
    }

    /** llama_vocab_get_add_bos: whether tokenizing with special tokens adds BOS. */
    public static boolean vocabAddsBos(MemorySegment vocab) {
        try {
            return (boolean) H.VOCAB_GET_ADD_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_tokenize: UTF-8 text to token ids; {@code addSpecial} adds BOS/EOS as the model does. */
    public static int[] tokenize(MemorySegment vocab, String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, bytes, JAVA_BYTE, 0, utf8.length);
            int capacity = utf8.length + 8;
            while (true) {
                MemorySegment tokens = arena.allocate(JAVA_INT, capacity);
                int n = (int) H.TOKENIZE.invokeExact(vocab, bytes, utf8.length, tokens, capacity, addSpecial, parseSpecial);
                if (n == Integer.MIN_VALUE) throw new NativeException("llama_tokenize overflowed on a text of " + utf8.length + " bytes");
                if (n >= 0) return Arrays.copyOf(tokens.toArray(JAVA_INT), n);
                capacity = -n;
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---- chat templates

    /**
     * llama_chat_apply_template: {@code template} applied to one message of {@code role} holding {@code content}, with
     * the start of the assistant's reply added when {@code addAssistant}. Empty when llama.cpp does not recognise the
     * template: it matches a Jinja template against the families it knows and renders its own version of that family,
     * it does not run the Jinja.
     */
    public static Optional<String> chatApplyTemplate(String template, String role, String content, boolean addAssistant) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(Layouts.LLAMA_CHAT_MESSAGE);
            message.set(ADDRESS, Layouts.offset(Layouts.LLAMA_CHAT_MESSAGE, "role"), arena.allocateFrom(role));
            message.set(ADDRESS, Layouts.offset(Layouts.LLAMA_CHAT_MESSAGE, "content"), arena.allocateFrom(content));
            MemorySegment tmpl = arena.allocateFrom(template);
            int capacity = 2 * content.length() + 256;
            while (true) {
                MemorySegment buf = arena.allocate(capacity);
                int n = (int) H.CHAT_APPLY_TEMPLATE.invokeExact(tmpl, message, 1L, addAssistant, buf, capacity);
                if (n < 0) return Optional.empty();
                // The result is copied with strncpy: complete (and terminated) only when it is shorter than the buffer.
                if (n < capacity) return Optional.of(new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                capacity = n + 1;
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---- contexts and decoding

    /** llama_init_from_model: a context for decoding; throws with llama.cpp's reason on failure. */
    public static MemorySegment contextInit(MemorySegment model, ContextParams params) {
        MemorySegment ctx;
        try {
            NativeLog.takeFirstError();
            ctx = (MemorySegment) H.INIT_FROM_MODEL.invokeExact(model, params.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (ctx.equals(MemorySegment.NULL)) {
            String why = NativeLog.takeFirstError();
            throw new NativeException("llama.cpp could not create a context" + (why.isEmpty() ? "" : ": " + why));
        }
        return ctx;
    }

    /** llama_free: frees a context. */
    public static void contextFree(MemorySegment ctx) {
        try {
            H.FREE.invokeExact(ctx);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_get_memory: the context's KV cache (fetch once: each call returns a new segment object). */
    public static MemorySegment contextMemory(MemorySegment ctx) {
        try {
            return (MemorySegment) H.GET_MEMORY.invokeExact(ctx);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_memory_clear: forgets every sequence; {@code data} also zeroes the buffers. */
    public static void memoryClear(MemorySegment memory, boolean data) {
        try {
            H.MEMORY_CLEAR.invokeExact(memory, data);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** llama_decode: runs the batch; 0 on success, 1 no KV slot, 2 aborted, negative on error. */
    public static int decode(MemorySegment ctx, Batch batch) {
        try {
            return (int) H.DECODE.invokeExact(ctx, batch.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static int intOf(MethodHandle handle, MemorySegment arg) {
        try {
            return (int) handle.invokeExact(arg);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Method handles, linked on first use after {@link #init}. */
    static final class H {
        static final MethodHandle LOG_SET = NativeLibrary.function("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        static final MethodHandle LOAD_ALL_FROM_PATH = NativeLibrary.function("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle BACKEND_INIT = NativeLibrary.function("llama_backend_init", FunctionDescriptor.ofVoid());
        static final MethodHandle PRINT_SYSTEM_INFO = NativeLibrary.function("llama_print_system_info", FunctionDescriptor.of(ADDRESS));
        static final MethodHandle MODEL_DEFAULT_PARAMS = NativeLibrary.function("llama_model_default_params", FunctionDescriptor.of(Layouts.LLAMA_MODEL_PARAMS));
        static final MethodHandle CONTEXT_DEFAULT_PARAMS = NativeLibrary.function("llama_context_default_params", FunctionDescriptor.of(Layouts.LLAMA_CONTEXT_PARAMS));
        static final MethodHandle MODEL_LOAD = NativeLibrary.function("llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, Layouts.LLAMA_MODEL_PARAMS));
        static final MethodHandle MODEL_FREE = NativeLibrary.function("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle MODEL_N_LAYER = NativeLibrary.function("llama_model_n_layer", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MODEL_N_EMBD = NativeLibrary.function("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MODEL_N_HEAD = NativeLibrary.function("llama_model_n_head", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MODEL_N_HEAD_KV = NativeLibrary.function("llama_model_n_head_kv", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MODEL_N_CTX_TRAIN = NativeLibrary.function("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MODEL_N_PARAMS = NativeLibrary.function("llama_model_n_params", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        static final MethodHandle MODEL_DESC = NativeLibrary.function("llama_model_desc", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        static final MethodHandle MODEL_META_VAL_STR = NativeLibrary.function("llama_model_meta_val_str", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        static final MethodHandle MODEL_CHAT_TEMPLATE = NativeLibrary.function("llama_model_chat_template", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle MODEL_GET_VOCAB = NativeLibrary.function("llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle VOCAB_N_TOKENS = NativeLibrary.function("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle VOCAB_GET_ADD_BOS = NativeLibrary.function("llama_vocab_get_add_bos", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
        static final MethodHandle TOKENIZE = NativeLibrary.function("llama_tokenize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        static final MethodHandle CHAT_APPLY_TEMPLATE = NativeLibrary.function("llama_chat_apply_template",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT));
        static final MethodHandle INIT_FROM_MODEL = NativeLibrary.function("llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, Layouts.LLAMA_CONTEXT_PARAMS));
        static final MethodHandle FREE = NativeLibrary.function("llama_free", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle GET_MEMORY = NativeLibrary.function("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle MEMORY_CLEAR = NativeLibrary.function("llama_memory_clear", FunctionDescriptor.ofVoid(ADDRESS, JAVA_BOOLEAN));
        static final MethodHandle BATCH_INIT = NativeLibrary.function("llama_batch_init", FunctionDescriptor.of(Layouts.LLAMA_BATCH, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle BATCH_FREE = NativeLibrary.function("llama_batch_free", FunctionDescriptor.ofVoid(Layouts.LLAMA_BATCH));
        static final MethodHandle DECODE = NativeLibrary.function("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, Layouts.LLAMA_BATCH));

        private H() {}
    }
}
