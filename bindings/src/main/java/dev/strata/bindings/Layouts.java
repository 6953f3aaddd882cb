package dev.strata.bindings;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The native structs strata reads or passes by value, field for field as in llama.h, ggml.h and ggml-backend.h of
 * the pinned release (and glibc's dlfcn.h). LayoutProbeTest checks every offset and size against a C probe compiled from the headers.
 */
public final class Layouts {
    private Layouts() {}

    public static final StructLayout LLAMA_MODEL_PARAMS = structLayout(
            ADDRESS.withName("devices"),
            ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"),
            paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"),
            JAVA_BOOLEAN.withName("no_host"),
            JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"),
            paddingLayout(2)).withName("llama_model_params");

    public static final StructLayout LLAMA_CONTEXT_PARAMS = structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_rs_seq"),
            JAVA_INT.withName("n_outputs_max"),
            JAVA_INT.withName("n_outputs_max_per_seq"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("ctx_type"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_INT.withName("flash_attn_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("no_perf"),
            JAVA_BOOLEAN.withName("op_offload"),
            JAVA_BOOLEAN.withName("swa_full"),
            JAVA_BOOLEAN.withName("kv_unified"),
            paddingLayout(2),
            ADDRESS.withName("samplers"),
            JAVA_LONG.withName("n_samplers"),
            ADDRESS.withName("ctx_other")).withName("llama_context_params");

    public static final StructLayout LLAMA_BATCH = structLayout(
            JAVA_INT.withName("n_tokens"),
            paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits")).withName("llama_batch");

    /** One turn of a chat, for llama_chat_apply_template: both strings are NUL-terminated UTF-8. */
    public static final StructLayout LLAMA_CHAT_MESSAGE = structLayout(
            ADDRESS.withName("role"),
            ADDRESS.withName("content")).withName("llama_chat_message");

    public static final StructLayout GGML_TENSOR = structLayout(
            JAVA_INT.withName("type"),
            paddingLayout(4),
            ADDRESS.withName("buffer"),
            sequenceLayout(4, JAVA_LONG).withName("ne"),
            sequenceLayout(4, JAVA_LONG).withName("nb"),
            JAVA_INT.withName("op"),
            sequenceLayout(16, JAVA_INT).withName("op_params"),
            JAVA_INT.withName("flags"),
            sequenceLayout(10, ADDRESS).withName("src"),
            ADDRESS.withName("view_src"),
            JAVA_LONG.withName("view_offs"),
            ADDRESS.withName("data"),
            sequenceLayout(64, JAVA_BYTE).withName("name"),
            ADDRESS.withName("extra"),
            sequenceLayout(8, JAVA_BYTE).withName("padding")).withName("ggml_tensor");

    /** One entry of the list a backend's ggml_backend_get_features returns; a NULL name ends the list. */
    public static final StructLayout GGML_BACKEND_FEATURE = structLayout(
            ADDRESS.withName("name"),
            ADDRESS.withName("value")).withName("ggml_backend_feature");

    /** What dladdr (glibc's dlfcn.h) fills in: the file and base of the library that holds an address. */
    public static final StructLayout DL_INFO = structLayout(
            ADDRESS.withName("dli_fname"),
            ADDRESS.withName("dli_fbase"),
            ADDRESS.withName("dli_sname"),
            ADDRESS.withName("dli_saddr")).withName("Dl_info");

    /** Every struct the probe checks. */
    public static final List<StructLayout> ALL = List.of(LLAMA_MODEL_PARAMS, LLAMA_CONTEXT_PARAMS, LLAMA_BATCH,
            LLAMA_CHAT_MESSAGE, GGML_TENSOR, GGML_BACKEND_FEATURE, DL_INFO);

    static long offset(StructLayout struct, String field) {
        return struct.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(field));
    }
}
