package dev.strata.knn;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The bag-of-tokens baseline (method.md section 9, details in docs/statistics.md): each prompt as its TF-IDF weighted
 * token-count vector under one model's tokenizer, L2-normalised, and every prompt's k nearest neighbours by cosine
 * similarity, exactly (in double), most similar first, ties to the lower index, the prompt itself left out. Compared
 * with a model's layers like another layer, it says how much of a layer's neighbourhoods counting tokens explains.
 */
public final class BagOfTokens {
    private BagOfTokens() {}

    /**
     * Unit TF-IDF vectors, sparse: prompt p has weight {@code weights[p][i]} on token {@code tokens[p][i]}, tokens
     * ascending and distinct.
     */
    public record Vectors(int[][] tokens, double[][] weights) {
        public int n() {
            return tokens.length;
        }
    }

    /**
     * TF-IDF vectors of prompts given as token ids: tf is the count of a token in the prompt, idf the smoothed
     * ln((1 + n) / (1 + df)) + 1 (df: prompts holding the token), so that a token in every prompt (BOS) still counts
     * and no prompt with tokens gets a zero vector; each vector is then scaled to length 1.
     */
    public static Vectors tfidf(int[][] prompts) {
        int n = prompts.length;
        int[][] tokens = new int[n][];
        int[][] counts = new int[n][];
        int maxToken = -1;
        for (int p = 0; p < n; p++) {
            if (prompts[p].length == 0) throw new IllegalArgumentException("prompt " + p + " has no tokens");
            int[] sorted = prompts[p].clone();
            Arrays.sort(sorted);
            if (sorted[0] < 0) throw new IllegalArgumentException("prompt " + p + " holds the negative token id " + sorted[0]);
            int distinct = 0;
            int[] ids = new int[sorted.length];
            int[] tf = new int[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                if (i > 0 && sorted[i] == sorted[i - 1]) {
                    tf[distinct - 1]++;
                } else {
                    ids[distinct] = sorted[i];
                    tf[distinct++] = 1;
                }
            }
            tokens[p] = Arrays.copyOf(ids, distinct);
            counts[p] = Arrays.copyOf(tf, distinct);
            maxToken = Math.max(maxToken, sorted[sorted.length - 1]);
        }
        int[] df = new int[maxToken + 1];
        for (int[] ids : tokens) for (int id : ids) df[id]++;
        double[][] weights = new double[n][];
        for (int p = 0; p < n; p++) {
            double[] w = new double[tokens[p].length];
            double squares = 0;
            for (int i = 0; i < w.length; i++) {
                w[i] = counts[p][i] * (Math.log((1.0 + n) / (1.0 + df[tokens[p][i]])) + 1);
                squares += w[i] * w[i];
            }
            double norm = Math.sqrt(squares);
            for (int i = 0; i < w.length; i++) w[i] /= norm;
            weights[p] = w;
        }
        return new Vectors(tokens, weights);
    }

    /**
     * Every prompt's k nearest neighbours by cosine similarity: [n, k] in C order, as a one-layer k-NN table holds
     * them. Runs on {@code threads} threads (rows are independent); the result does not depend on their number.
     */
    public static int[] nearest(Vectors vectors, int k, int threads) {
        int n = vectors.n();
        if (k < 1 || k > n - 1) throw new IllegalArgumentException("k must be in 1.." + (n - 1) + ", got " + k);
        int maxToken = Arrays.stream(vectors.tokens()).mapToInt(t -> t[t.length - 1]).max().orElse(0);
        int[] neighbours = new int[n * k];
        int workers = Math.max(1, Math.min(threads, n));
        IntStream.range(0, workers).parallel().forEach(worker -> {
            // Each worker spreads one prompt's weights over the vocabulary, then reads them at each other prompt's tokens.
            double[] dense = new double[maxToken + 1];
            double[] bestSim = new double[k];
            int[] bestIndex = new int[k];
            for (int p = worker; p < n; p += workers) {
                int[] pTokens = vectors.tokens()[p];
                double[] pWeights = vectors.weights()[p];
                for (int i = 0; i < pTokens.length; i++) dense[pTokens[i]] = pWeights[i];
                int found = 0;
                for (int q = 0; q < n; q++) {
                    if (q == p) continue;
                    int[] qTokens = vectors.tokens()[q];
                    double[] qWeights = vectors.weights()[q];
                    double sim = 0;
                    for (int i = 0; i < qTokens.length; i++) sim += qWeights[i] * dense[qTokens[i]];
                    // Candidates come in ascending q, so a tie never displaces an earlier (lower) index.
                    if (found == k && sim <= bestSim[k - 1]) continue;
                    int at = found < k ? found++ : k - 1;
                    while (at > 0 && sim > bestSim[at - 1]) {
                        bestSim[at] = bestSim[at - 1];
                        bestIndex[at] = bestIndex[at - 1];
                        at--;
                    }
                    bestSim[at] = sim;
                    bestIndex[at] = q;
                }
                System.arraycopy(bestIndex, 0, neighbours, p * k, k);
                for (int token : pTokens) dense[token] = 0;
            }
        });
        return neighbours;
    }
}
