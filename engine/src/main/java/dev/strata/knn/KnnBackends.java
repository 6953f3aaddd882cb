package dev.strata.knn;

import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Chooses the k-NN backend at run time: the one place a new backend plugs in. There is the CPU
 * backend, with a Vector API kernel when {@code jdk.incubator.vector} is present and a plain Java
 * kernel otherwise, and the CUDA backend (package {@code dev.strata.knn.cuda}), returned by {@link #cuda}
 * when the CUDA libraries load and a device exists.
 */
public final class KnnBackends {
    /** What the user asked for. */
    public enum Device {
        AUTO, CPU, CUDA;

        /** Parses "auto", "cpu" or "cuda" (any case). */
        public static Device parse(String text) {
            for (Device d : values()) {
                if (d.name().equalsIgnoreCase(text.strip())) return d;
            }
            throw new IllegalArgumentException("unknown device '" + text + "' (expected auto, cpu or cuda)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The chosen backend and, when the choice was not the one asked for, a one-line note saying why. */
    public record Selection(KnnBackend backend, Optional<String> note) {}

    private KnnBackends() {}

    /**
     * The backend for {@code device}: {@code cpu} is the CPU; {@code cuda} is the GPU or an
     * IllegalStateException saying why there is none; {@code auto} is the CPU, with a note when a GPU
     * is there. The CUDA backend has not yet passed CudaKnnParityTest on real hardware, so it is used
     * only when asked for by name; auto will prefer it once it has.
     *
     * @param threads CPU threads; 0 means all available processors
     */
    public static Selection select(Device device, int threads) {
        return switch (device) {
            case CPU -> new Selection(cpu(threads), Optional.empty());
            case CUDA -> switch (cuda()) {
                case CudaProbe.Available(KnnBackend gpu) -> new Selection(gpu, Optional.empty());
                case CudaProbe.Unavailable(String reason) -> throw new IllegalStateException("no CUDA backend: " + reason);
            };
            case AUTO -> {
                KnnBackend cpu = cpu(threads);
                yield new Selection(cpu, Optional.of(switch (cuda()) {
                    case CudaProbe.Available _ ->
                            "the CUDA k-NN backend is not yet validated on a GPU; using " + cpu.describe() + " (the cuda device, asked for by name, tries it)";
                    case CudaProbe.Unavailable(String reason) ->
                            "no CUDA backend (" + firstClause(reason) + "; asking for the cuda device by name lists all); using " + cpu.describe();
                }));
            }
        };
    }

    /** A CPU machine needn't read every place searched for every library; asking for cuda by name gives the whole reason. */
    private static String firstClause(String reason) {
        int end = reason.indexOf(';');
        return end < 0 ? reason : reason.substring(0, end);
    }

    /**
     * The plug-in point for the GPU: the CUDA backend when the libraries load and a device exists, else
     * the one-line reason there is none. The libraries are probed once per JVM.
     */
    private static CudaProbe cuda() {
        return ServiceLoader.load(CudaProbe.Source.class, KnnBackends.class.getClassLoader()).findFirst()
                .map(CudaProbe.Source::probe)
                .orElseGet(() -> new CudaProbe.Unavailable("the CUDA k-NN backend is not on the class path"));
    }

    /** The CPU backend with the fastest kernel this JVM supports. */
    public static KnnBackend cpu(int threads) {
        return new CpuKnnBackend(fastestKernel(), resolveThreads(threads), 0);
    }

    /** The CPU backend with the plain Java kernel (for comparison and tests). */
    public static KnnBackend scalarCpu(int threads) {
        return new CpuKnnBackend(new ScalarGramKernel(), resolveThreads(threads), 0);
    }

    static int resolveThreads(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must not be negative, got " + threads);
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** The Vector API kernel when its module is in the boot layer, else the scalar one (the Lucene approach). */
    static GramKernel fastestKernel() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                // Loaded by name so this class links without the incubator module.
                Object kernel = Class.forName("dev.strata.knn.VectorGramKernel")
                        .getDeclaredMethod("createIfUseful").invoke(null);
                if (kernel != null) return (GramKernel) kernel;
            } catch (ReflectiveOperationException | LinkageError e) {
                // fall through to the scalar kernel
            }
        }
        return new ScalarGramKernel();
    }
}
