package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The permutation null and the calibrated scores, each against an independent computation with a fixed seed. */
class PermutationNullTest {
    /** Valid lists: k distinct prompts other than t, drawn at random. */
    static NeighbourTable randomTable(int layers, int n, int k, long seed) {
        Random random = new Random(seed);
        int[] all = new int[layers * n * k];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < n; t++) {
                List<Integer> others = new ArrayList<>();
                for (int u = 0; u < n; u++) if (u != t) others.add(u);
                Collections.shuffle(others, random);
                for (int q = 0; q < k; q++) all[(l * n + t) * k + q] = others.get(q);
            }
        }
        return NeighbourTable.of(layers, n, k, all);
    }

    /** The metric when A's prompt t meets B's prompt perm[t], by sets: B's neighbours of perm[t], mapped back to A's prompts. */
    static double naiveShuffled(NeighbourTable a, int f, NeighbourTable b, int g, int[] perm, boolean jaccard) {
        int n = a.n();
        int k = a.k();
        int[] backToA = new int[n];
        for (int t = 0; t < n; t++) backToA[perm[t]] = t;
        double sum = 0;
        for (int t = 0; t < n; t++) {
            Set<Integer> fromA = new HashSet<>();
            Set<Integer> fromB = new HashSet<>();
            for (int q = 0; q < k; q++) {
                fromA.add(a.neighbours()[(f * n + t) * k + q]);
                fromB.add(backToA[b.neighbours()[(g * n + perm[t]) * k + q]]);
            }
            Set<Integer> shared = new HashSet<>(fromA);
            shared.retainAll(fromB);
            Set<Integer> union = new HashSet<>(fromA);
            union.addAll(fromB);
            sum += jaccard ? (double) shared.size() / union.size() : (double) shared.size() / k;
        }
        return sum / n;
    }

    @Test
    void aShuffledMatrixIsTheMetricOfTheRelabelledNeighbourSets() {
        NeighbourTable a = randomTable(2, 12, 3, 1);
        NeighbourTable b = randomTable(3, 12, 3, 2);
        int[][] shuffles = PermutationNull.shuffles(12, 3, 5);
        for (int[] perm : shuffles) {
            int[] sorted = perm.clone();
            Arrays.sort(sorted);
            for (int t = 0; t < 12; t++) assertEquals(t, sorted[t], "a shuffle is a permutation");
            for (SimilarityMetric metric : List.of(SimilarityMetric.MKNN, SimilarityMetric.JACCARD)) {
                double[][] m = PermutationNull.neighbourMatrix(a, b, metric, perm);
                for (int f = 0; f < 2; f++) {
                    for (int g = 0; g < 3; g++) {
                        assertEquals(naiveShuffled(a, f, b, g, perm, metric == SimilarityMetric.JACCARD), m[f][g], 1e-12,
                                metric + " cell " + f + "," + g);
                    }
                }
            }
        }
        int[] identity = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        assertArrayEquals(NeighbourSimilarity.matrix(a, b, SimilarityMetric.MKNN),
                PermutationNull.neighbourMatrix(a, b, SimilarityMetric.MKNN, identity), "no shuffle: the raw matrix");
        assertArrayEquals(shuffles, PermutationNull.shuffles(12, 3, 5), "the seed fixes the shuffles");
    }

    @Test
    void theNullMeanOfMutualKnnIsKOverNMinusOne() {
        int n = 60;
        int k = 5;
        NeighbourTable a = randomTable(2, n, k, 3);
        NeighbourTable b = randomTable(2, n, k, 4);
        double[][] raw = NeighbourSimilarity.matrix(a, b, SimilarityMetric.MKNN);
        Calibration c = PermutationNull.ofTables(a, b, SimilarityMetric.MKNN, raw, 2000, 11);
        // Under a uniform shuffle each of the k neighbours of B lands on one of A's k neighbours with chance k/(n-1).
        for (double[] row : c.nullMean()) {
            for (double mean : row) assertEquals((double) k / (n - 1), mean, 0.003);
        }
    }

    @Test
    void aScoreFollowsTheDefinitionOnAHandMadeNull() {
        double[] nulls = new double[19];
        for (int i = 0; i < 19; i++) nulls[i] = (i + 1) / 100.0;
        // 20 values with the raw 0.5; tau is the ceil(0.95 * 20) = 19th smallest, 0.19.
        Calibration.Score high = PermutationNull.score(0.5, nulls);
        assertEquals(0.19, high.threshold(), 1e-15);
        assertEquals((0.5 - 0.19) / (1 - 0.19), high.calibrated(), 1e-12);
        assertEquals(1.0 / 20, high.p(), 1e-15, "no null value reaches the raw one");
        assertEquals(0.10, high.nullMean(), 1e-12);
        assertEquals(Math.sqrt(570.0 / 18) / 100, high.nullSd(), 1e-12, "sample sd of 0.01 .. 0.19");
        // 0.15 among them: the 19th smallest is 0.18, so 0.15 is not above the critical value.
        Calibration.Score low = PermutationNull.score(0.15, nulls);
        assertEquals(0.18, low.threshold(), 1e-15);
        assertEquals(0.0, low.calibrated());
        assertEquals(6.0 / 20, low.p(), 1e-15, "0.15 .. 0.19 reach it");
    }

    @Test
    void familywisePValuesAreMaxTOverStudentisedCells() {
        double[][] raw = {{0.9, 0.3}};
        double[][][] nulls = {{{0.1, 0.2}}, {{0.3, 0.1}}, {{0.2, 0.4}}};
        Calibration c = PermutationNull.calibrate(raw, nulls, 1);
        // Cell 0 studentised over {0.9, 0.1, 0.3, 0.2}: 1.461 raw, -0.765, -0.209, -0.487 shuffled.
        // Cell 1 over {0.3, 0.2, 0.1, 0.4}: 0.387 raw, -0.387, -1.162, 1.162 shuffled.
        // The shuffles' maxima: -0.387, -0.209, 1.162; none reaches 1.461, one reaches 0.387.
        assertEquals(0.25, c.pFamilywise()[0][0], 1e-15);
        assertEquals(0.5, c.pFamilywise()[0][1], 1e-15);
        assertEquals(0.25, c.p()[0][0], 1e-15);
        assertEquals(0.5, c.p()[0][1], 1e-15, "0.4 reaches 0.3");
        // Both cells lie on the generalized diagonal of a 1 x 2 matrix: the on-diagonal means are 0.6 against
        // 0.15, 0.2, 0.3, and the maxima 0.9 against 0.2, 0.3, 0.4.
        assertEquals(0.6, c.onDiagonal().raw(), 1e-15);
        assertEquals(0.25, c.onDiagonal().p(), 1e-15);
        assertEquals(0.6, c.onDiagonal().threshold(), 1e-15, "with K = 3 tau is the largest of the four");
        assertEquals(0.0, c.onDiagonal().calibrated());
        assertTrue(Double.isNaN(c.offDiagonal().raw()), "no off-diagonal cell");
        assertEquals(0.9, c.maximum().raw(), 1e-15);
        assertEquals(0.3, c.maximum().nullMean(), 1e-15);
    }

    @Test
    void unrelatedSidesCalibrateToAboutZero() {
        // Under the null p is uniform, so some seeds give a small p by chance (21/22 gives 0.01); 23/24 is a typical draw.
        NeighbourTable a = randomTable(3, 300, 10, 23);
        NeighbourTable b = randomTable(3, 300, 10, 24);
        double[][] raw = NeighbourSimilarity.matrix(a, b, SimilarityMetric.MKNN);
        Calibration c = PermutationNull.ofTables(a, b, SimilarityMetric.MKNN, raw, 200, 7);
        assertTrue(c.onDiagonal().p() > 0.05, "on-diagonal p " + c.onDiagonal().p());
        assertTrue(c.calibratedMeans().on() < 0.02, "calibrated on-diagonal " + c.calibratedMeans().on());
        assertTrue(c.calibratedMeans().off() < 0.02, "calibrated off-diagonal " + c.calibratedMeans().off());
        assertEquals(0, c.significantCells());
    }

    @Test
    void identicalSidesCalibrateToOne() {
        NeighbourTable a = randomTable(3, 100, 5, 31);
        double[][] raw = NeighbourSimilarity.matrix(a, a, SimilarityMetric.MKNN);
        Calibration c = PermutationNull.ofTables(a, a, SimilarityMetric.MKNN, raw, 99, 7);
        for (int l = 0; l < 3; l++) {
            assertEquals(1.0, raw[l][l]);
            assertEquals(1.0, c.calibrated()[l][l], 1e-12);
            assertEquals(0.01, c.p()[l][l], 1e-15, "the smallest p 99 shuffles allow");
            assertEquals(0.01, c.pFamilywise()[l][l], 1e-15);
        }
        assertEquals(1.0, c.onDiagonal().calibrated(), 1e-12);
        assertEquals(0.01, c.onDiagonal().p(), 1e-15);
        assertEquals(3, c.significantCells(), "only the diagonal: the layers are unrelated to each other");
    }

    static LinearCka.Activations activations(int n, int dim, long seed, int layers) {
        float[][] all = new float[layers][];
        for (int l = 0; l < layers; l++) all[l] = SimilarityCkaTest.random(n, dim, seed + l);
        return new LinearCka.Activations(n, dim, all);
    }

    @Test
    void aShuffledCkaIsTheCkaOfTheShuffledRows() {
        int n = 30;
        LinearCka.Activations x = activations(n, 4, 40, 2);
        LinearCka.Activations y = activations(n, 6, 50, 2);
        int[] perm = PermutationNull.shuffles(n, 1, 9)[0];
        float[][] shuffledRows = new float[2][n * 6];
        for (int l = 0; l < 2; l++) {
            for (int t = 0; t < n; t++) System.arraycopy(y.layers()[l], perm[t] * 6, shuffledRows[l], t * 6, 6);
        }
        double[][] expected = LinearCka.matrix(x, new LinearCka.Activations(n, 6, shuffledRows));
        double[][] shuffled = PermutationNull.ckaMatrix(x, y, perm);
        for (int f = 0; f < 2; f++) {
            for (int g = 0; g < 2; g++) assertEquals(expected[f][g], shuffled[f][g], 1e-5, "cell " + f + "," + g);
        }
    }

    /** The exact mean of <K, P L P^T> over all permutations, for centred K and L, is tr K tr L / (n - 1). */
    static double exactNullMean(float[] x, int dx, float[] y, int dy, int n) {
        double[] k = centredGram(x, dx, n);
        double[] l = centredGram(y, dy, n);
        double traceK = 0;
        double traceL = 0;
        double normK = 0;
        double normL = 0;
        for (int t = 0; t < n; t++) {
            traceK += k[t * n + t];
            traceL += l[t * n + t];
        }
        for (int i = 0; i < n * n; i++) {
            normK += k[i] * k[i];
            normL += l[i] * l[i];
        }
        return traceK * traceL / (n - 1) / Math.sqrt(normK * normL);
    }

    static double[] centredGram(float[] x, int d, int n) {
        double[] c = new double[n * d];
        for (int col = 0; col < d; col++) {
            double mean = 0;
            for (int t = 0; t < n; t++) mean += x[t * d + col];
            mean /= n;
            for (int t = 0; t < n; t++) c[t * d + col] = x[t * d + col] - mean;
        }
        double[] g = new double[n * n];
        for (int s = 0; s < n; s++) {
            for (int t = 0; t < n; t++) {
                for (int col = 0; col < d; col++) g[s * n + t] += c[s * d + col] * c[t * d + col];
            }
        }
        return g;
    }

    @Test
    void theCkaNullMeanIsTheExactPermutationMean() {
        int n = 20;
        LinearCka.Activations x = activations(n, 3, 60, 1);
        LinearCka.Activations y = activations(n, 5, 70, 1);
        double[][] raw = LinearCka.matrix(x, y);
        Calibration c = PermutationNull.ofActivations(x, y, raw, 3000, 13);
        double exact = exactNullMean(x.layers()[0], 3, y.layers()[0], 5, n);
        assertTrue(exact > 0.1, "CKA's null is far from 0 at small n: " + exact);
        assertEquals(exact, c.nullMean()[0][0], 0.01);

        Calibration self = PermutationNull.ofActivations(x, x, LinearCka.matrix(x, x), 99, 13);
        assertEquals(1.0, self.calibrated()[0][0], 1e-9);
        assertEquals(0.01, self.p()[0][0], 1e-15);
    }
}
