package dev.strata.extract;

import dev.strata.bindings.CpuBackend;
import dev.strata.bindings.Ggml;
import dev.strata.bindings.Llama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What llama.cpp runs on here: the libraries' folder, the devices of the loaded backends, and the CPU backend variant
 * ggml chose for this CPU with the features it was compiled for (extraction records the last two, since vectors
 * differ in their last bits between variants).
 *
 * @param release     the llama.cpp release of the bindings
 * @param nativeDir   the folder the libraries were loaded from
 * @param devices     "name: description" of every device, the CPU first
 * @param cpuLibrary  the CPU backend's library file
 * @param cpuVariant  its variant ("haswell", "zen4"), or null for a build with a single CPU backend
 * @param cpuFeatures what it was compiled to use, space-separated
 * @param systemInfo  llama.cpp's own one-line summary (llama_print_system_info)
 */
public record LlamaSystem(String release, Path nativeDir, List<String> devices, String cpuLibrary, String cpuVariant,
        String cpuFeatures, String systemInfo) {
    public LlamaSystem {
        devices = List.copyOf(devices);
    }

    /** Loads llama.cpp from its configured folder (if not yet loaded) and describes it. */
    public static LlamaSystem load() {
        Path dir = Llama.defaultNativeDir();
        Llama.init(dir);
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < Ggml.deviceCount(); i++) {
            devices.add(Ggml.deviceName(i));
        }
        CpuBackend cpu = Ggml.cpuBackend();
        return new LlamaSystem(Llama.RELEASE, dir.toAbsolutePath().normalize(), devices, cpu.library(),
                cpu.variant().orElse(null), String.join(" ", cpu.features()), Llama.systemInfo());
    }

    /** One "key: value" line per fact, keys aligned. */
    public String format() {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("llama.cpp", release + " from " + nativeDir);
        lines.put("devices", String.join("; ", devices));
        lines.put("CPU variant", (cpuVariant == null ? "none (a single CPU backend)" : cpuVariant) + ", " + cpuLibrary);
        lines.put("CPU features", cpuFeatures);
        lines.put("system info", systemInfo.strip());
        int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        StringBuilder text = new StringBuilder();
        String line = "%-" + width + "s %s\n";
        lines.forEach((key, value) -> text.append(String.format(Locale.ROOT, line, key + ":", value)));
        return text.toString();
    }
}
