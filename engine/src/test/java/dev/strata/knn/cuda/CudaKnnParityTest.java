package dev.strata.knn.cuda;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.knn.CudaProbe;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.RowMatrix;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GPU parity with the CPU backend; skipped where there is no CUDA device (never run by the author: no GPU). */
class CudaKnnParityTest {
    private static CudaProbe cuda;

    @BeforeAll
    static void probe() {
        cuda = CudaKnnBackend.probe();
    }

    @ParameterizedTest(name = "n={0} D={1} k={2} {3}")
    @CsvSource({"2,3,1,fp32", "100,31,10,fp32", "1000,77,25,fp32", "4097,128,100,fp32", "20000,256,10,fp32",
            "65536,64,10,fp32", "65536,64,100,fp32", "3000,300,60,tf32", "3000,300,60,bf16", "300,16,299,fp32"})
    void identicalToTheCpuBackend(int n, int dim, int k, String precision) {
        Assumptions.assumeTrue(cuda instanceof CudaProbe.Available, () -> "no CUDA: " + cuda);
        CudaKnnBackend base = (CudaKnnBackend) ((CudaProbe.Available) cuda).backend();
        float[][] rows = data(n, dim, 31L * n + dim);
        RowMatrix m = RowMatrix.of("parity", rows);
        int[] expected = KnnBackends.cpu(0).nearest(m, k);
        CudaKnnBackend gpu = base.withPrecision(CandidateWindow.Precision.parse(precision));
        assertArrayEquals(expected, gpu.nearest(m, k), gpu.describe());
    }

    /** Gaussian rows with duplicates (every 50th row copies row 0, every 7th its predecessor, scaled). */
    static float[][] data(int n, int dim, long seed) {
        Random rnd = new Random(seed);
        float[][] rows = new float[n][dim];
        for (int i = 0; i < n; i++) {
            if (i > 0 && i % 50 == 0) rows[i] = rows[0].clone();
            else if (i > 0 && i % 7 == 0) for (int d = 0; d < dim; d++) rows[i][d] = rows[i - 1][d] * 3f;
            else for (int d = 0; d < dim; d++) rows[i][d] = (float) rnd.nextGaussian();
        }
        return rows;
    }
}
