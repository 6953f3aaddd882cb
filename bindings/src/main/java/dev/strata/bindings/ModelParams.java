package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/** llama_model_params, starting from llama_model_default_params, with the fields strata sets. */
public final class ModelParams {
    private static final long N_GPU_LAYERS = Layouts.offset(Layouts.LLAMA_MODEL_PARAMS, "n_gpu_layers");
    private static final long LOAD_MODE = Layouts.offset(Layouts.LLAMA_MODEL_PARAMS, "load_mode");
    private static final long VOCAB_ONLY = Layouts.offset(Layouts.LLAMA_MODEL_PARAMS, "vocab_only");
    private static final long SPLIT_MODE = Layouts.offset(Layouts.LLAMA_MODEL_PARAMS, "split_mode");
    private static final long MAIN_GPU = Layouts.offset(Layouts.LLAMA_MODEL_PARAMS, "main_gpu");
    private static final int LOAD_MODE_NONE = 0, LOAD_MODE_MMAP = 1;
    /** llama_split_mode's LLAMA_SPLIT_MODE_NONE: the whole model on main_gpu. */
    static final int SPLIT_MODE_NONE = 0;

    private final MemorySegment segment;

    public ModelParams(Arena arena) {
        try {
            segment = (MemorySegment) Llama.H.MODEL_DEFAULT_PARAMS.invokeExact((SegmentAllocator) arena);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Layers to offload to the GPU; negative means all. */
    public ModelParams nGpuLayers(int n) {
        segment.set(JAVA_INT, N_GPU_LAYERS, n);
        return this;
    }

    /**
     * Puts the whole model on one GPU, {@code device} in llama.cpp's list of GPUs (CUDA's device order for a CUDA
     * build): split mode none with that main GPU, instead of spreading the layers over every GPU llama.cpp sees. A
     * build without GPUs has no list, and llama.cpp then ignores both.
     */
    public ModelParams singleGpu(int device) {
        if (device < 0) throw new IllegalArgumentException("a GPU's index is 0 or more, got " + device);
        segment.set(JAVA_INT, SPLIT_MODE, SPLIT_MODE_NONE);
        segment.set(JAVA_INT, MAIN_GPU, device);
        return this;
    }

    /** Load only the vocabulary, no weights. */
    public ModelParams vocabOnly(boolean on) {
        segment.set(JAVA_BOOLEAN, VOCAB_ONLY, on);
        return this;
    }

    /** Memory-map the file (llama.cpp's load_mode MMAP) or read it. */
    public ModelParams useMmap(boolean on) {
        segment.set(JAVA_INT, LOAD_MODE, on ? LOAD_MODE_MMAP : LOAD_MODE_NONE);
        return this;
    }

    MemorySegment segment() {
        return segment;
    }
}
