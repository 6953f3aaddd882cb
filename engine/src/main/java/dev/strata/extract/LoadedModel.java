package dev.strata.extract;

import dev.strata.bindings.Llama;
import dev.strata.bindings.ModelParams;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import dev.strata.gguf.Preflight;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A GGUF model loaded into llama.cpp. The file is validated by strata's own reader and pre-flight checks first, so a
 * corrupt or inconsistent file is refused with a clear message instead of reaching llama.cpp's asserts.
 */
public final class LoadedModel implements AutoCloseable {
    private final Path file;
    private final ModelSummary summary;
    private final MemorySegment model;
    private final MemorySegment vocab;
    private final int nLayer;
    private final int width;

    private LoadedModel(Path file, ModelSummary summary, MemorySegment model) {
        this.file = file;
        this.summary = summary;
        this.model = model;
        this.vocab = Llama.modelVocab(model);
        this.nLayer = Llama.modelNLayer(model);
        this.width = Llama.modelNEmbd(model);
    }

    /** Validates and loads {@code file}, offloading {@code gpuLayers} blocks (negative: all) to a GPU if one is loaded. */
    public static LoadedModel open(Path file, int gpuLayers) throws IOException {
        return open(file, gpuLayers, ExtractOptions.ANY_GPU);
    }

    /**
     * Validates and loads {@code file}, offloading {@code gpuLayers} blocks (negative: all) to GPU {@code gpu} alone
     * (llama.cpp's index of it), or to any GPU llama.cpp sees ({@link ExtractOptions#ANY_GPU}). Without a GPU backend
     * the GPU changes nothing.
     */
    public static LoadedModel open(Path file, int gpuLayers, int gpu) throws IOException {
        ModelSummary summary;
        try (GgufFile gguf = GgufFile.open(file)) {
            Preflight.require(gguf);
            summary = ModelSummary.of(gguf);
        }
        Llama.init(Llama.defaultNativeDir());
        try (Arena arena = Arena.ofConfined()) {
            ModelParams params = new ModelParams(arena).nGpuLayers(gpuLayers).useMmap(true);
            if (gpu != ExtractOptions.ANY_GPU) params.singleGpu(gpu);
            return new LoadedModel(file, summary, Llama.modelLoad(file, params));
        }
    }

    public Path file() {
        return file;
    }

    public ModelSummary summary() {
        return summary;
    }

    /** Decoder blocks (L). */
    public int nLayer() {
        return nLayer;
    }

    /** Residual width (D). */
    public int width() {
        return width;
    }

    public int contextLength() {
        return Llama.modelNCtxTrain(model);
    }

    /** Token ids of {@code text} with the model's default special tokens (BOS where it adds one), no chat template. */
    public int[] tokenize(String text) {
        return Llama.tokenize(vocab, text, true, false);
    }

    /**
     * Token ids of {@code text}: with {@code addSpecial} the model's default special tokens (BOS where it adds one);
     * with {@code parseSpecial} the text of a special token (a chat template's {@code <|im_start|>}) becomes that token.
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        return Llama.tokenize(vocab, text, addSpecial, parseSpecial);
    }

    /** The model's chat template ({@code tokenizer.chat_template}) as llama.cpp reads it, if it has one. */
    public Optional<String> chatTemplate() {
        return Llama.modelChatTemplate(model);
    }

    /** Whether {@link #tokenize} puts a BOS token first. */
    public boolean addsBos() {
        return Llama.vocabAddsBos(vocab);
    }

    /** The llama_model pointer, for code that drives llama.cpp itself (the benchmarks' plain decode loops). */
    public MemorySegment handle() {
        return model;
    }

    @Override
    public void close() {
        Llama.modelFree(model);
    }
}
