package dev.strata.knn;

import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the k-NN backend at run time: the one place a new backend plugs in. Today there is the
 * CPU backend, with a Vector API kernel when {@code jdk.incubator.vector} is present and a plain
 * Java kernel otherwise; a CUDA backend will be returned by {@link #cuda} when one exists.
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

    private static final String NO_CUDA_REASON = "this build of strata has no GPU k-NN yet";

    /** The chosen backend and, when the choice was not the one asked for, a one-line note saying why. */
    public record Selection(KnnBackend backend, Optional<String> note) {}

    private KnnBackends() {}

    /**
     * The backend for {@code device}: {@code cpu} is the CPU; {@code cuda} is the GPU or an
     * IllegalStateException saying why there is none; {@code auto} is the GPU when there is one,
     * else the CPU with a note.
     *
     * @param threads CPU threads; 0 means all available processors
     */
    public static Selection select(Device device, int threads) {
        return switch (device) {
            case CPU -> new Selection(cpu(threads), Optional.empty());
            case CUDA -> new Selection(cuda().orElseThrow(() -> new IllegalStateException(
                    "no CUDA backend: " + NO_CUDA_REASON)), Optional.empty());
            case AUTO -> cuda().map(b -> new Selection(b, Optional.<String>empty())).orElseGet(() -> {
                KnnBackend cpu = cpu(threads);
                return new Selection(cpu, Optional.of("no CUDA backend (" + NO_CUDA_REASON + "); using " + cpu.describe()));
            });
        };
    }

    /** The GPU backend when one is available: the plug-in point for the CUDA implementation. */
    private static Optional<KnnBackend> cuda() {
        return Optional.empty();
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
