package dev.strata.bench;

import dev.strata.knn.KnnBackend;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.RowMatrix;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU k-NN of one layer (normalise, tiled Gram, top-k) on Gaussian data. Run:
 * {@code java --add-modules jdk.incubator.vector -cp 'benchmarks/target/classes:benchmarks/target/lib/*'
 * org.openjdk.jmh.Main KnnBench}. Useful figure: 2 n^2 D / time = GFLOP/s of the Gram part.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KnnBench {
    @Param({"4096", "16384"})
    int n;

    @Param({"1024"})
    int dim;

    @Param({"10"})
    int k;

    /** vector: the kernel strata picks at run time; scalar: the plain Java fallback. */
    @Param({"vector"})
    String kernel;

    @Param({"0"})
    int threads;

    private RowMatrix vectors;
    private KnnBackend backend;

    @Setup
    public void setUp() {
        Random rnd = new Random(42);
        float[][] rows = new float[n][dim];
        for (float[] row : rows) {
            for (int d = 0; d < dim; d++) row[d] = (float) rnd.nextGaussian();
        }
        vectors = RowMatrix.of("bench", rows);
        backend = kernel.equals("scalar") ? KnnBackends.scalarCpu(threads) : KnnBackends.cpu(threads);
    }

    @Benchmark
    public int[] nearest() {
        return backend.nearest(vectors, k);
    }
}
