package dev.strata.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The permutation null of a layer-by-layer similarity matrix, computed from what the study stored (neighbour lists, or
 * the activations' Gram matrices), without running a model again; then each cell and the matrix's aggregates calibrated
 * against it ({@link Calibration}; docs/statistics.md).
 *
 * <p>A shuffle is a permutation π of the prompts: A's prompt t is paired with B's prompt π(t), for every cell of the
 * matrix at once. For neighbour metrics, B's lists are relabelled: t's list becomes π⁻¹ applied to the list of π(t). For
 * CKA, B's centred Gram matrix L becomes L[π(s), π(t)] (centring commutes with permuting rows and columns, so the
 * norms do not change). Shuffles run in parallel; each is drawn in order from one seeded {@link SplittableRandom}, so
 * the result does not depend on the number of threads.
 */
public final class PermutationNull {
    /** Scores within this of the raw one count as "at least as large" (rounding in the means). */
    private static final double TIE_TOLERANCE = SimilarityStats.TIE_TOLERANCE;

    private PermutationNull() {}

    /** The calibration of one neighbour-metric matrix {@code raw} = metric(a, b). */
    public static Calibration ofTables(NeighbourTable a, NeighbourTable b, SimilarityMetric metric, double[][] raw,
                                       int permutations, long seed) {
        return allPairs(List.of(a, b), metric, List.of(new NeighbourSimilarity.PairMatrix(0, 1, raw)), permutations,
                seed).getFirst();
    }

    /**
     * The calibration of each of {@code pairs} (matrices between {@code tables}, as {@link NeighbourSimilarity#allPairs}
     * returns them), every pair under the same shuffles.
     */
    public static List<Calibration> allPairs(List<NeighbourTable> tables, SimilarityMetric metric,
                                             List<NeighbourSimilarity.PairMatrix> pairs, int permutations, long seed) {
        requirePermutations(permutations);
        for (NeighbourTable t : tables) NeighbourSimilarity.requireComparable(tables.getFirst(), t);
        double[] scoreByOverlap = metric.scoreByOverlap(tables.getFirst().k());
        int[][] shuffles = shuffles(tables.getFirst().n(), permutations, seed);
        double[][][][] nulls = new double[pairs.size()][permutations][][];
        boolean[] shuffledSide = new boolean[tables.size()];
        for (NeighbourSimilarity.PairMatrix pair : pairs) shuffledSide[pair.j()] = true;
        IntStream.range(0, permutations).parallel().forEach(s -> {
            NeighbourTable[] shuffled = new NeighbourTable[tables.size()];
            for (int m = 0; m < tables.size(); m++) if (shuffledSide[m]) shuffled[m] = relabel(tables.get(m), shuffles[s]);
            for (int p = 0; p < pairs.size(); p++) {
                NeighbourSimilarity.PairMatrix pair = pairs.get(p);
                nulls[p][s] = neighbourMatrix(tables.get(pair.i()), shuffled[pair.j()], scoreByOverlap);
            }
        });
        List<Calibration> result = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) result.add(calibrate(pairs.get(p).matrix(), nulls[p], seed));
        return result;
    }

    /** The calibration of one CKA matrix {@code raw} = CKA(a, b), from the layers' centred Gram matrices. */
    public static Calibration ofActivations(LinearCka.Activations a, LinearCka.Activations b, double[][] raw,
                                            int permutations, long seed) {
        requirePermutations(permutations);
        if (a.n() != b.n()) throw new IllegalArgumentException("activations of " + a.n() + " and " + b.n() + " prompts");
        int n = a.n();
        float[][] gramsA = IntStream.range(0, a.layers().length).parallel().mapToObj(l -> centredGram(a, l))
                .toArray(float[][]::new);
        float[][] gramsB = IntStream.range(0, b.layers().length).parallel().mapToObj(l -> centredGram(b, l))
                .toArray(float[][]::new);
        double[] normsA = Arrays.stream(gramsA).mapToDouble(g -> Math.sqrt(dot(g, g))).toArray();
        double[] normsB = Arrays.stream(gramsB).mapToDouble(g -> Math.sqrt(dot(g, g))).toArray();
        int[][] shuffles = shuffles(n, permutations, seed);
        double[][][] nulls = new double[permutations][][];
        IntStream.range(0, permutations).parallel()
                .forEach(s -> nulls[s] = ckaMatrix(gramsA, normsA, gramsB, normsB, n, shuffles[s]));
        return calibrate(raw, nulls, seed);
    }

    private static void requirePermutations(int permutations) {
        if (permutations < 1) throw new IllegalArgumentException("a permutation null needs at least 1 shuffle, got " + permutations);
    }

    /** {@code count} uniform permutations of 0..n-1, each a Fisher-Yates shuffle of the identity, drawn in order. */
    static int[][] shuffles(int n, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] shuffles = new int[count][];
        for (int s = 0; s < count; s++) {
            int[] perm = new int[n];
            for (int t = 0; t < n; t++) perm[t] = t;
            for (int t = n - 1; t > 0; t--) {
                int u = random.nextInt(t + 1);
                int swap = perm[t];
                perm[t] = perm[u];
                perm[u] = swap;
            }
            shuffles[s] = perm;
        }
        return shuffles;
    }

    /** b's table as seen from A when A's prompt t is paired with b's prompt perm[t]: t lists perm⁻¹ of perm[t]'s list. */
    static NeighbourTable relabel(NeighbourTable b, int[] perm) {
        int n = b.n();
        int k = b.k();
        int[] inverse = new int[n];
        for (int t = 0; t < n; t++) inverse[perm[t]] = t;
        int[] from = b.neighbours();
        int[] to = new int[from.length];
        for (int l = 0; l < b.layers(); l++) {
            for (int t = 0; t < n; t++) {
                int source = (l * n + perm[t]) * k;
                int target = (l * n + t) * k;
                for (int q = 0; q < k; q++) to[target + q] = inverse[from[source + q]];
            }
        }
        return new NeighbourTable(b.layers(), n, k, to, b.labels());
    }

    /** Every layer of a against every layer of b, on this thread (the shuffles are what runs in parallel). */
    private static double[][] neighbourMatrix(NeighbourTable a, NeighbourTable b, double[] scoreByOverlap) {
        double[][] m = new double[a.layers()][];
        for (int la = 0; la < a.layers(); la++) m[la] = NeighbourSimilarity.row(a, la, b, scoreByOverlap);
        return m;
    }

    /** The neighbour-metric matrix of a against b under one shuffle; what the calibration's null is made of. */
    static double[][] neighbourMatrix(NeighbourTable a, NeighbourTable b, SimilarityMetric metric, int[] perm) {
        NeighbourSimilarity.requireComparable(a, b);
        return neighbourMatrix(a, relabel(b, perm), metric.scoreByOverlap(a.k()));
    }

    /** The CKA matrix of a against b under one shuffle, through the same Gram route as the null. */
    static double[][] ckaMatrix(LinearCka.Activations a, LinearCka.Activations b, int[] perm) {
        float[][] gramsA = IntStream.range(0, a.layers().length).mapToObj(l -> centredGram(a, l)).toArray(float[][]::new);
        float[][] gramsB = IntStream.range(0, b.layers().length).mapToObj(l -> centredGram(b, l)).toArray(float[][]::new);
        return ckaMatrix(gramsA, Arrays.stream(gramsA).mapToDouble(g -> Math.sqrt(dot(g, g))).toArray(), gramsB,
                Arrays.stream(gramsB).mapToDouble(g -> Math.sqrt(dot(g, g))).toArray(), a.n(), perm);
    }

    /** CKA = <K, P L P^T>_F / (||K|| ||L||): each of B's Grams is permuted once, then dotted with every Gram of A. */
    private static double[][] ckaMatrix(float[][] gramsA, double[] normsA, float[][] gramsB, double[] normsB, int n,
                                        int[] perm) {
        double[][] m = new double[gramsA.length][gramsB.length];
        float[] shuffled = new float[n * n];
        for (int g = 0; g < gramsB.length; g++) {
            float[] gram = gramsB[g];
            for (int s = 0; s < n; s++) {
                int from = perm[s] * n;
                int to = s * n;
                for (int t = 0; t < n; t++) shuffled[to + t] = gram[from + perm[t]];
            }
            for (int f = 0; f < gramsA.length; f++) m[f][g] = dot(gramsA[f], shuffled) / (normsA[f] * normsB[g]);
        }
        return m;
    }

    /**
     * The n x n Gram matrix of layer l's column-centred rows, in float to halve the memory (n² floats per layer; the
     * sums are taken in double).
     */
    private static float[] centredGram(LinearCka.Activations acts, int l) {
        int n = acts.n();
        int d = acts.dim();
        double[] centred = LinearCka.centred(acts, l);
        float[] gram = new float[n * n];
        for (int s = 0; s < n; s++) {
            for (int t = s; t < n; t++) {
                double sum = 0;
                for (int c = 0; c < d; c++) sum += centred[s * d + c] * centred[t * d + c];
                gram[s * n + t] = (float) sum;
                gram[t * n + s] = (float) sum;
            }
        }
        return gram;
    }

    private static double dot(float[] u, float[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) sum += (double) u[i] * v[i];
        return sum;
    }

    /**
     * Calibrates {@code raw} against {@code nulls} ([shuffle][row][column]): each cell and the aggregates by
     * {@link #score}, and the family-wise p-values by single-step max-T: each cell's values (raw and null) are
     * studentised by their own mean and standard deviation over all K + 1 of them, so that cells with wider nulls do
     * not dominate, and a cell's corrected p-value is (1 + #{shuffles whose largest studentised cell >= the cell's
     * studentised raw value}) / (1 + K).
     */
    static Calibration calibrate(double[][] raw, double[][][] nulls, long seed) {
        int shuffles = nulls.length;
        int rows = raw.length;
        int cols = raw[0].length;
        double[][] calibrated = new double[rows][cols];
        double[][] nullMean = new double[rows][cols];
        double[][] p = new double[rows][cols];
        double[][] studentisedRaw = new double[rows][cols];
        double[] largestStudentised = new double[shuffles];
        Arrays.fill(largestStudentised, Double.NEGATIVE_INFINITY);
        double[] values = new double[shuffles];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                for (int s = 0; s < shuffles; s++) values[s] = nulls[s][i][j];
                Calibration.Score score = score(raw[i][j], values);
                calibrated[i][j] = score.calibrated();
                nullMean[i][j] = score.nullMean();
                p[i][j] = score.p();
                double mean = raw[i][j];
                for (double v : values) mean += v;
                mean /= shuffles + 1;
                double squares = (raw[i][j] - mean) * (raw[i][j] - mean);
                for (double v : values) squares += (v - mean) * (v - mean);
                double sd = Math.sqrt(squares / shuffles);
                studentisedRaw[i][j] = studentise(raw[i][j], mean, sd);
                for (int s = 0; s < shuffles; s++) {
                    largestStudentised[s] = Math.max(largestStudentised[s], studentise(values[s], mean, sd));
                }
            }
        }
        double[][] pFamilywise = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int atLeast = 0;
                for (double largest : largestStudentised) if (largest >= studentisedRaw[i][j] - TIE_TOLERANCE) atLeast++;
                pFamilywise[i][j] = (1.0 + atLeast) / (1.0 + shuffles);
            }
        }
        double[] onNull = new double[shuffles];
        double[] offNull = new double[shuffles];
        double[] maxNull = new double[shuffles];
        for (int s = 0; s < shuffles; s++) {
            SimilarityStats.DiagonalMeans means = SimilarityStats.diagonalMeans(nulls[s]);
            onNull[s] = means.on();
            offNull[s] = means.off();
            maxNull[s] = largest(nulls[s]);
        }
        SimilarityStats.DiagonalMeans rawMeans = SimilarityStats.diagonalMeans(raw);
        return new Calibration(shuffles, seed, calibrated, nullMean, p, pFamilywise, score(rawMeans.on(), onNull),
                score(rawMeans.off(), offNull), score(largest(raw), maxNull));
    }

    private static double studentise(double value, double mean, double sd) {
        return sd > 0 ? (value - mean) / sd : 0;
    }

    private static double largest(double[][] m) {
        double best = Double.NEGATIVE_INFINITY;
        for (double[] row : m) for (double v : row) best = Math.max(best, v);
        return best;
    }

    /**
     * One statistic against its K null values, as the paper's reference implementation defines it: tau is the
     * ceil((1 - ALPHA)(K + 1))-th smallest of the raw value and the null values together, the calibrated score
     * (raw - tau) / (1 - tau) clipped to [0, 1], the p-value (1 + #{null >= raw}) / (1 + K). NaN throughout when the
     * statistic is undefined (a matrix without off-diagonal cells).
     */
    static Calibration.Score score(double raw, double[] nulls) {
        int shuffles = nulls.length;
        if (Double.isNaN(raw)) return new Calibration.Score(raw, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double[] all = Arrays.copyOf(nulls, shuffles + 1);
        all[shuffles] = raw;
        Arrays.sort(all);
        // The small epsilon keeps an exact product such as 0.95 * 20 from rounding up to the next order statistic.
        int rank = (int) Math.ceil((1 - Calibration.ALPHA) * (shuffles + 1) - 1e-9);
        double tau = all[Math.clamp(rank - 1, 0, shuffles)];
        double calibrated = raw <= tau ? 0 : tau >= 1 ? 1 : Math.min(1, (raw - tau) / (1 - tau));
        int atLeast = 0;
        double mean = 0;
        for (double v : nulls) {
            if (v >= raw - TIE_TOLERANCE) atLeast++;
            mean += v;
        }
        mean /= shuffles;
        double squares = 0;
        for (double v : nulls) squares += (v - mean) * (v - mean);
        double sd = shuffles > 1 ? Math.sqrt(squares / (shuffles - 1)) : 0;
        return new Calibration.Score(raw, mean, sd, tau, calibrated, (1.0 + atLeast) / (1.0 + shuffles));
    }
}
