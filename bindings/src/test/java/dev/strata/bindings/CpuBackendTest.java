package dev.strata.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend ggml loaded, checked against this machine's /proc/cpuinfo and the variant list of the pinned
 * source's ggml/src/CMakeLists.txt (which features each libggml-cpu-&lt;variant&gt;.so needs).
 */
class CpuBackendTest {
    /** ggml's feature names (as CMake options and as ggml_backend_get_features reports them) to cpuinfo flags. */
    private static final Map<String, List<String>> CPU_FLAGS = Map.ofEntries(
            Map.entry("SSE3", List.of("pni")), Map.entry("SSSE3", List.of("ssse3")), Map.entry("SSE42", List.of("sse4_2")),
            Map.entry("AVX", List.of("avx")), Map.entry("F16C", List.of("f16c")), Map.entry("FMA", List.of("fma")),
            Map.entry("AVX2", List.of("avx2")), Map.entry("BMI2", List.of("bmi2")), Map.entry("AVX_VNNI", List.of("avx_vnni")),
            Map.entry("AVX512", List.of("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
            Map.entry("AVX512_VBMI", List.of("avx512vbmi")), Map.entry("AVX512_VNNI", List.of("avx512_vnni")),
            Map.entry("AVX512_BF16", List.of("avx512_bf16")), Map.entry("AMX_TILE", List.of("amx_tile")),
            Map.entry("AMX_INT8", List.of("amx_int8")));
    private static final Pattern VARIANT = Pattern.compile("^\\s*ggml_add_cpu_backend_variant\\((\\S+)((?:\\s+\\w+)*)\\)");

    static Path nativeDir;

    @BeforeAll
    static void init() {
        nativeDir = Llama.defaultNativeDir();
        Llama.init(nativeDir);
    }

    @Test
    void theLoadedLibraryIsInTheNativeFolderAndUsesOnlyWhatThisCpuHas() throws IOException {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the feature names checked are x86-64's");
        CpuBackend cpu = Ggml.cpuBackend();
        assertTrue(Files.isRegularFile(nativeDir.resolve(cpu.library())), cpu.library() + " is not in " + nativeDir);
        assertTrue(cpu.features().contains("SSE3"), "every x86-64 build has SSE3: " + cpu.features());
        Set<String> flags = cpuFlags();
        for (String feature : cpu.features()) {
            for (String flag : CPU_FLAGS.getOrDefault(feature, List.of())) {
                assertTrue(flags.contains(flag), cpu.library() + " uses " + feature + " but this CPU lacks " + flag);
            }
        }
    }

    @Test
    void ggmlChoseAVariantThatNoOtherRunnableVariantHereOutdoes() throws IOException {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the variant list checked is x86-64's");
        Map<String, Set<String>> needs = variantsInTheNativeFolder();
        CpuBackend cpu = Ggml.cpuBackend();
        assertEquals(!needs.isEmpty(), cpu.variant().isPresent(), "the folder's variants " + needs.keySet()
                + " and the library loaded, " + cpu.library());
        assumeTrue(!needs.isEmpty(), nativeDir + " holds a single CPU backend");
        Set<String> flags = cpuFlags();
        Map<String, Set<String>> runnable = needs.entrySet().stream()
                .filter(e -> e.getValue().stream().allMatch(f -> flags.containsAll(CPU_FLAGS.get(f))))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        String chosen = cpu.variant().orElseThrow();
        assertTrue(runnable.containsKey(chosen), chosen + " needs " + needs.get(chosen) + ", more than this CPU has");
        for (Map.Entry<String, Set<String>> other : runnable.entrySet()) {
            boolean outdoes = other.getValue().containsAll(runnable.get(chosen)) && !runnable.get(chosen).containsAll(other.getValue());
            assertFalse(outdoes, other.getKey() + " " + other.getValue() + " also runs here and does more than " + chosen);
        }
    }

    /** Variant name to the CMake features it is built with, for the variants whose library is in the native folder. */
    private static Map<String, Set<String>> variantsInTheNativeFolder() throws IOException {
        Path cmake = Path.of(System.getProperty("strata.llama.src"), "ggml", "src", "CMakeLists.txt");
        Map<String, Set<String>> variants = new LinkedHashMap<>();
        for (String line : Files.readAllLines(cmake)) {
            Matcher m = VARIANT.matcher(line);
            if (m.find() && Files.isRegularFile(nativeDir.resolve("libggml-cpu-" + m.group(1) + ".so"))) {
                variants.put(m.group(1), new HashSet<>(Arrays.asList(m.group(2).trim().split("\\s+"))));
                variants.get(m.group(1)).remove("");
            }
        }
        try (Stream<Path> files = Files.list(nativeDir)) {
            long libraries = files.filter(f -> f.getFileName().toString().startsWith("libggml-cpu-")).count();
            assertEquals(libraries, variants.size(), "every libggml-cpu-*.so in " + nativeDir + " is a variant of " + cmake);
        }
        return variants;
    }

    private static Set<String> cpuFlags() throws IOException {
        String flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                .findFirst().orElseThrow().replaceFirst("^flags\\s*:", "").trim();
        return new HashSet<>(Arrays.asList(flags.split("\\s+")));
    }
}
