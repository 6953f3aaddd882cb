package dev.strata.knn.cuda;

import java.util.Locale;

/**
 * Why the CUDA backend's neighbours equal the CPU backend's, as pure arithmetic (no GPU needed).
 *
 * <p>cuBLAS sums the Gram dot products in its own order (and, in the fast modes, from rounded
 * inputs), so its score {@code a_j} of a candidate differs from the exact score {@code e_j} (the CPU
 * definition: sequential float32 FMA) by at most {@link #bound}: {@code |a_j - e_j| <= beta}. Let
 * {@code a_k} be the k-th best approximate score of a row. Any candidate with
 * {@code a_j < a_k - 2 beta} has {@code e_j <= a_j + beta < a_k - beta <= e_i} for each of the k
 * candidates {@code i} with {@code a_i >= a_k}: k candidates beat it strictly, so it is not among the
 * exact k best, whatever the tie rule. Hence the exact k best lie in the window
 * {@code a_j >= cutoff = a_k - 2 beta}; re-scoring the window exactly and selecting with the tie
 * rule gives exactly the CPU's answer. The GPU keeps the best {@link #capacity} candidates by
 * approximate score; when even the last of them is in the window (many near-ties, e.g. duplicated
 * rows), the window may hold candidates it dropped, and the row is recomputed exactly (overflow).
 *
 * <p>The bound, for unit vectors x, y of dimension D rounded to float32 (so sum |x_d y_d| <= S with
 * S = (1 + 2^-24)^2 < 1 + 2^-20): any summation order of D products in float32 with unit roundoff
 * u = 2^-24 errs by at most gamma_D S, gamma_D = D u / (1 - D u) (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., section 3.1; FMA only tightens it). The exact score has that error
 * too, so beta = 2 gamma_D S for float32. TF32 and BF16 round the inputs first (relative error
 * e_in = 2^-10 for TF32, allowing for truncation; 2^-8 for BF16, which our kernel rounds to nearest),
 * which adds (2 e_in + e_in^2) S, and tensor cores accumulate in float32, which we allow a unit
 * roundoff of 2^-22 rather than 2^-24 because their accumulation order and rounding are not
 * documented. Underflow adds at most D 2^-126 per side. The total is widened by 1% and rounded up.
 */
final class CandidateWindow {
    /** How cuBLAS computes the Gram tiles. */
    enum Precision {
        /** cublasSgemm in CUBLAS_PEDANTIC_MATH: float32 inputs and arithmetic. */
        FP32,
        /** cublasGemmEx, float32 inputs, CUBLAS_COMPUTE_32F_FAST_TF32: tensor cores on TF32-rounded inputs. */
        TF32,
        /** cublasGemmEx, bfloat16 inputs (rounded by our kernel), CUBLAS_COMPUTE_32F. */
        BF16;

        static Precision parse(String text) {
            for (Precision p : values()) {
                if (p.name().equalsIgnoreCase(text.strip())) return p;
            }
            throw new IllegalArgumentException("unknown GPU precision '" + text + "' (expected fp32, tf32 or bf16)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Most candidates a row keeps on the GPU (the merge kernel's shared memory is sized for it). */
    static final int MAX_CAPACITY = 1024;

    private static final double U32 = 0x1p-24;
    private static final double U_ACCUMULATE_FAST = 0x1p-22;
    private static final double S = 1 + 0x1p-20;

    private CandidateWindow() {}

    static double gamma(int dim, double u) {
        double du = dim * u;
        if (du >= 0.5) throw new IllegalArgumentException("dimension " + dim + " too large for an error bound");
        return du / (1 - du);
    }

    /** beta: a bound on |cuBLAS score - exact score| for unit vectors of dimension {@code dim}. */
    static double bound(Precision precision, int dim) {
        double exactSide = gamma(dim, U32) * S;
        double approxSide = switch (precision) {
            case FP32 -> gamma(dim, U32) * S;
            case TF32 -> inputRounding(0x1p-10) * S + gamma(dim, U_ACCUMULATE_FAST) * S * sq(1 + 0x1p-10);
            case BF16 -> inputRounding(0x1p-8) * S + gamma(dim, U_ACCUMULATE_FAST) * S * sq(1 + 0x1p-8);
        };
        double underflow = 2.0 * dim * 0x1p-126;
        return (exactSide + approxSide + underflow) * 1.01;
    }

    /** Relative error of a product of two inputs each rounded with relative error {@code e}: 2e + e^2. */
    private static double inputRounding(double e) {
        return 2 * e + e * e;
    }

    private static double sq(double v) {
        return v * v;
    }

    /** The window width 2 beta, as a float rounded up. */
    static float width(Precision precision, int dim) {
        double w = 2 * bound(precision, dim);
        float f = (float) w;
        return (double) f < w ? Math.nextUp(f) : f;
    }

    /** {@code kth - width} rounded down to float32 (what the kernel computes with __fsub_rd). */
    static float cutoff(float kth, float width) {
        double exact = (double) kth - (double) width;
        float f = (float) exact;
        return (double) f > exact ? Math.nextDown(f) : f;
    }

    /** Candidates kept per row: k plus a margin for the window (at least 32, at least k), at most n - 1. */
    static int capacity(int n, int k) {
        int margin = Math.max(32, k);
        long m = Math.min((long) n - 1, (long) k + margin);
        return (int) m;
    }

    /** Whether {@link #capacity} fits the merge kernel; if not, every row takes the exact fallback. */
    static boolean fitsGpu(int capacity) {
        return capacity <= MAX_CAPACITY;
    }

    /**
     * The window of one row's list: {@code scores[0, m)} sorted best first (the best m approximate
     * scores). Returns how many leading entries to re-score, or -1 when the list may have dropped
     * window members ({@code complete} false and the last entry is still in the window).
     */
    static int windowSize(float[] scores, int m, int k, float width, boolean complete) {
        float cutoff = cutoff(scores[k - 1], width);
        int w = k;
        while (w < m && scores[w] >= cutoff) w++;
        return !complete && w == m ? -1 : w;
    }
}
