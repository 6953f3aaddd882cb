package dev.strata.bindings;

import java.util.List;
import java.util.Optional;

/**
 * The CPU backend llama.cpp loaded. A build with every CPU variant holds one library per x86-64 feature level
 * ({@code libggml-cpu-haswell.so}, {@code libggml-cpu-zen4.so}, ...) and ggml loads the best one this CPU runs; the
 * vectors differ in their last bits between variants, so extraction records which one ran.
 *
 * @param library  the library's file name
 * @param features what the library was compiled to use, in ggml's words and order ("AVX2", "FMA", "SVE_CNT=256")
 */
public record CpuBackend(String library, List<String> features) {
    private static final String VARIANT_PREFIX = "libggml-cpu-";
    private static final String SUFFIX = ".so";

    public CpuBackend {
        features = List.copyOf(features);
    }

    /** The variant's name ("haswell", "zen4"), or empty for a build with a single CPU backend ({@code libggml-cpu.so}). */
    public Optional<String> variant() {
        if (!library.startsWith(VARIANT_PREFIX) || !library.endsWith(SUFFIX)) return Optional.empty();
        return Optional.of(library.substring(VARIANT_PREFIX.length(), library.length() - SUFFIX.length()));
    }
}
