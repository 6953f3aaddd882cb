package dev.strata.bindings.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds and loads the CUDA libraries at run time; nothing CUDA is needed to build or to run on the CPU.
 *
 * <p>For each CUDA major version, newest first (13, then 12), it looks for libcudart, libcublas and
 * libnvrtc of that version, each in: the system library path (dlopen by soname: LD_LIBRARY_PATH,
 * the ld.so cache), {@code $CUDA_HOME} and {@code $CUDA_PATH} ({@code lib64}, {@code lib}), and the
 * folders NVIDIA's pip wheels install ({@code site-packages/nvidia/<package>/lib}: {@code nvidia/cu13/lib}
 * for CUDA 13, {@code nvidia/cublas/lib}, {@code nvidia/cuda_nvrtc/lib}, {@code nvidia/cuda_runtime/lib}
 * for 12) of every site-packages folder found under {@code /usr/lib/python3*}, {@code /usr/local/lib/python3*},
 * {@code ~/.local/lib/python3*}, {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX} and python3's own
 * {@code site.getsitepackages()}. The driver (libcuda.so.1) comes from the system path only. Before
 * loading a library from a folder, its companions there (libcublasLt, libnvrtc-builtins) are loaded,
 * so the dynamic linker finds them by soname. One version's libraries are never mixed with another's.
 *
 * <p>The result is {@link Ready} (loaded, with at least one device) or {@link Missing} with a
 * precise reason, e.g. "libcublas.so.13 not found in: ...; no CUDA device (cudaGetDeviceCount: ...)".
 */
public final class CudaLibraries {
    /** Majors tried, newest first. */
    static final int[] VERSIONS = {13, 12};
    private static final String SYSTEM = "the system library path";

    /** What probing found. */
    public sealed interface Probe permits Ready, Missing {}

    /** Loaded libraries and the number of devices. */
    public record Ready(CudaLibraries libraries, int devices) implements Probe {}

    /** Why there is no usable CUDA; {@code reason} is one line. */
    public record Missing(String reason) implements Probe {}

    /** Where to look: the environment and the python roots to scan (injectable for tests). */
    public record SearchPath(boolean system, List<Path> cudaHomes, List<Path> sitePackages) {
        /** This machine's search path (runs {@code python3} once, if present, with a 5-second limit). */
        public static SearchPath ofThisMachine() {
            Map<String, String> env = System.getenv();
            List<Path> homes = new ArrayList<>();
            for (String var : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
                String v = env.get(var);
                if (v != null && !v.isBlank()) homes.add(Path.of(v));
            }
            homes.add(Path.of("/usr/local/cuda"));
            return new SearchPath(true, homes, CudaLibraries.sitePackages(env, Path.of(System.getProperty("user.home", "/")), true));
        }

        /** The folders that may hold {@code soname} for this search path, in order (system path not included). */
        List<Path> folders() {
            Set<Path> out = new LinkedHashSet<>();
            for (Path home : cudaHomes) {
                out.add(home.resolve("lib64"));
                out.add(home.resolve("lib"));
            }
            for (Path sp : sitePackages) out.addAll(nvidiaLibFolders(sp));
            return List.copyOf(out);
        }
    }

    private static Probe cached;

    private final CudaRuntime runtime;
    private final CudaDriver driver;
    private final Cublas cublas;
    private final Nvrtc nvrtc;
    private final int version;
    private final Map<String, String> origins;

    private CudaLibraries(CudaRuntime runtime, CudaDriver driver, Cublas cublas, Nvrtc nvrtc, int version,
            Map<String, String> origins) {
        this.runtime = runtime;
        this.driver = driver;
        this.cublas = cublas;
        this.nvrtc = nvrtc;
        this.version = version;
        this.origins = origins;
    }

    public CudaRuntime runtime() {
        return runtime;
    }

    public CudaDriver driver() {
        return driver;
    }

    public Cublas cublas() {
        return cublas;
    }

    public Nvrtc nvrtc() {
        return nvrtc;
    }

    /** The CUDA major version of the loaded libraries. */
    public int version() {
        return version;
    }

    /** Where each library was loaded from: "libcublas.so.13" -> a path or "the system library path". */
    public Map<String, String> origins() {
        return origins;
    }

    /** Probes this machine once; later calls return the same answer. Never throws. */
    public static synchronized Probe probe() {
        if (cached == null) cached = probe(SearchPath.ofThisMachine());
        return cached;
    }

    /** Probes with {@code search}; never throws (a failure to load is reported as Missing). */
    public static Probe probe(SearchPath search) {
        List<String> problems = new ArrayList<>();
        for (int v : VERSIONS) {
            Arena arena = Arena.ofShared();
            try {
                Loaded cudart = find(arena, "libcudart.so." + v, search, List.of(), problems);
                Loaded cublasLib = find(arena, "libcublas.so." + v, search, List.of("libcublasLt.so." + v), problems);
                Loaded nvrtcLib = find(arena, "libnvrtc.so." + v, search, List.of("libnvrtc-builtins.so." + v + "*"), problems);
                if (cudart == null || cublasLib == null || nvrtcLib == null) {
                    arena.close();
                    continue;
                }
                Loaded cuda = find(arena, "libcuda.so.1", new SearchPath(search.system(), List.of(), List.of()), List.of(), problems);
                if (cuda == null) {
                    arena.close();
                    return new Missing(String.join("; ", problems) + " (the NVIDIA driver is not installed)");
                }
                CudaRuntime runtime = new CudaRuntime(cudart.lookup, cudart.origin);
                int status = runtime.deviceCountStatus();
                if (status != 0) {
                    String why = runtime.describe(status);
                    arena.close();
                    return new Missing("no CUDA device (cudaGetDeviceCount: " + why + ")");
                }
                int devices = runtime.deviceCount();
                if (devices == 0) {
                    arena.close();
                    return new Missing("no CUDA device (cudaGetDeviceCount: 0 devices)");
                }
                CudaLibraries libs = new CudaLibraries(runtime, new CudaDriver(cuda.lookup, cuda.origin),
                        new Cublas(cublasLib.lookup, cublasLib.origin), new Nvrtc(nvrtcLib.lookup, nvrtcLib.origin), v,
                        Map.of(cudart.name, cudart.origin, cublasLib.name, cublasLib.origin, nvrtcLib.name, nvrtcLib.origin,
                                cuda.name, cuda.origin));
                return new Ready(libs, devices); // the arena stays open: the libraries stay loaded
            } catch (RuntimeException | LinkageError e) {
                arena.close();
                problems.add("CUDA " + v + " libraries failed to load: " + e.getMessage());
            }
        }
        return new Missing(String.join("; ", problems));
    }

    private record Loaded(String name, SymbolLookup lookup, String origin) {}

    /** Loads {@code soname} from the first place that has it; adds a line to {@code problems} if none does. */
    private static Loaded find(Arena arena, String soname, SearchPath search, List<String> companions, List<String> problems) {
        List<String> tried = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        if (search.system()) {
            tried.add(SYSTEM);
            try {
                return new Loaded(soname, SymbolLookup.libraryLookup(soname, arena), SYSTEM);
            } catch (IllegalArgumentException e) {
                // not on the system path
            }
        }
        for (Path folder : search.folders()) {
            tried.add(folder.toString());
            Path file = folder.resolve(soname);
            if (!Files.exists(file)) continue;
            try {
                for (String companion : companions) loadCompanions(arena, folder, companion);
                return new Loaded(soname, SymbolLookup.libraryLookup(file, arena), file.toString());
            } catch (IllegalArgumentException e) {
                failures.add(file + " (" + e.getMessage() + ")");
            }
        }
        problems.add(soname + (failures.isEmpty() ? " not found in: " + String.join(", ", tried)
                : " could not be loaded: " + String.join(", ", failures)));
        return null;
    }

    /** Loads the files in {@code folder} matching {@code glob} (a companion library), ignoring failures. */
    private static void loadCompanions(Arena arena, Path folder, String glob) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, glob)) {
            for (Path f : files) {
                try {
                    SymbolLookup.libraryLookup(f, arena);
                } catch (IllegalArgumentException e) {
                    // the main library's own error will say what is wrong
                }
            }
        } catch (IOException e) {
            // unreadable folder: nothing to preload
        }
    }

    /** {@code sp/nvidia/<any>/lib} and {@code lib64} folders that exist. */
    static List<Path> nvidiaLibFolders(Path sitePackages) {
        Path nvidia = sitePackages.resolve("nvidia");
        if (!Files.isDirectory(nvidia)) return List.of();
        List<Path> out = new ArrayList<>();
        try (Stream<Path> packages = Files.list(nvidia)) {
            for (Path p : packages.sorted().toList()) {
                for (String lib : new String[] {"lib", "lib64"}) {
                    if (Files.isDirectory(p.resolve(lib))) out.add(p.resolve(lib));
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** site-packages and dist-packages folders on this machine (see the class comment). */
    static List<Path> sitePackages(Map<String, String> env, Path home, boolean askPython) {
        Set<Path> roots = new LinkedHashSet<>();
        List<Path> libDirs = new ArrayList<>(List.of(Path.of("/usr/lib"), Path.of("/usr/local/lib"), home.resolve(".local/lib")));
        for (String var : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) libDirs.add(Path.of(v, "lib"));
        }
        for (Path lib : libDirs) {
            if (!Files.isDirectory(lib)) continue;
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
                for (Path py : pythons) {
                    for (String sub : new String[] {"site-packages", "dist-packages"}) {
                        if (Files.isDirectory(py.resolve(sub))) roots.add(py.resolve(sub));
                    }
                }
            } catch (IOException e) {
                // unreadable: skip
            }
        }
        if (Files.isDirectory(Path.of("/usr/lib/python3/dist-packages"))) roots.add(Path.of("/usr/lib/python3/dist-packages"));
        if (askPython) askPython().forEach(roots::add);
        return List.copyOf(roots);
    }

    /** {@code python3 -c 'import site; ...'}: its site-packages folders, or nothing if python3 is absent or slow. */
    private static List<Path> askPython() {
        Optional<Path> python = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(s -> !s.isEmpty()).map(s -> Path.of(s, "python3")).filter(Files::isExecutable).findFirst();
        if (python.isEmpty()) return List.of();
        try {
            Process p = new ProcessBuilder(python.get().toString(), "-c",
                    "import site\nfor p in site.getsitepackages() + [site.getusersitepackages()]: print(p)")
                    .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return out.lines().map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).filter(Files::isDirectory).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
