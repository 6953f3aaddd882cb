package dev.strata.compare;

import java.util.stream.IntStream;

/**
 * Linear CKA (Kornblith et al. 2019) between activation matrices of the same n prompts:
 * CKA(X, Y) = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F), with Xc, Yc column-centred.
 *
 * <p>Two equivalent routes, picked by cost: through D x D cross products (cheap when n is large
 * and D small), or through n x n Gram matrices K = Xc Xc^T, since ||Yc^T Xc||_F^2 = <K, L>_F and
 * ||Xc^T Xc||_F = ||K||_F (cheap when D is large and n small). Neither forms the centring matrix H.
 */
public final class LinearCka {
    private LinearCka() {}

    /**
     * One model's activations at several layers: {@code layers[l]} holds n rows of {@code dim} floats,
     * row-major (prompt t at [t * dim, (t + 1) * dim)).
     */
    public record Activations(int n, int dim, float[][] layers) {
        public Activations {
            for (float[] layer : layers) {
                if (layer.length != (long) n * dim) {
                    throw new IllegalArgumentException("layer of " + layer.length + " floats is not " + n + " x " + dim);
                }
            }
        }
    }

    /** Which formulation computes a grid. */
    enum Route { FEATURES, GRAMS }

    /** CKA between two activation matrices x (n x dx) and y (n x dy). */
    public static double cka(float[] x, int dx, float[] y, int dy, int n) {
        return matrix(new Activations(n, dx, new float[][] {x}), new Activations(n, dy, new float[][] {y}))[0][0];
    }

    /** CKA for every layer of a against every layer of b, by whichever route costs fewer multiply-adds. */
    public static double[][] matrix(Activations a, Activations b) {
        return matrix(a, b, cheaperRoute(a, b));
    }

    static Route cheaperRoute(Activations a, Activations b) {
        double n = a.n();
        double la = a.layers().length;
        double lb = b.layers().length;
        double da = a.dim();
        double db = b.dim();
        // Multiply-adds: self terms once per layer, cross terms once per cell (symmetric products halved).
        double features = n * (la * da * da + lb * db * db) / 2 + la * lb * n * da * db;
        double grams = n * n * (la * da + lb * db) / 2 + la * lb * n * n;
        return features <= grams ? Route.FEATURES : Route.GRAMS;
    }

    static double[][] matrix(Activations a, Activations b, Route route) {
        if (a.n() != b.n()) throw new IllegalArgumentException("activations of " + a.n() + " and " + b.n() + " prompts");
        int n = a.n();
        int la = a.layers().length;
        int lb = b.layers().length;
        double[][] result = new double[la][lb];
        if (route == Route.FEATURES) {
            double[][] xs = IntStream.range(0, la).parallel().mapToObj(l -> centred(a, l)).toArray(double[][]::new);
            double[][] ys = IntStream.range(0, lb).parallel().mapToObj(l -> centred(b, l)).toArray(double[][]::new);
            double[] normX = IntStream.range(0, la).parallel()
                    .mapToDouble(l -> Math.sqrt(crossFrobeniusSquared(xs[l], a.dim(), xs[l], a.dim(), n))).toArray();
            double[] normY = IntStream.range(0, lb).parallel()
                    .mapToDouble(l -> Math.sqrt(crossFrobeniusSquared(ys[l], b.dim(), ys[l], b.dim(), n))).toArray();
            IntStream.range(0, la * lb).parallel().forEach(cell -> {
                int i = cell / lb;
                int j = cell % lb;
                result[i][j] = crossFrobeniusSquared(ys[j], b.dim(), xs[i], a.dim(), n) / (normX[i] * normY[j]);
            });
        } else {
            // Centred copies live only while their Gram is built: n x n per layer is what stays in memory.
            double[][] gramsX = IntStream.range(0, la).parallel().mapToObj(l -> gram(centred(a, l), a.dim(), n))
                    .toArray(double[][]::new);
            double[][] gramsY = IntStream.range(0, lb).parallel().mapToObj(l -> gram(centred(b, l), b.dim(), n))
                    .toArray(double[][]::new);
            double[] normX = IntStream.range(0, la).mapToDouble(l -> Math.sqrt(dot(gramsX[l], gramsX[l]))).toArray();
            double[] normY = IntStream.range(0, lb).mapToDouble(l -> Math.sqrt(dot(gramsY[l], gramsY[l]))).toArray();
            IntStream.range(0, la * lb).parallel().forEach(cell -> {
                int i = cell / lb;
                int j = cell % lb;
                result[i][j] = dot(gramsX[i], gramsY[j]) / (normX[i] * normY[j]);
            });
        }
        return result;
    }

    /** Layer l minus its column means, in double so that the sums below stay accurate. */
    static double[] centred(Activations acts, int l) {
        int n = acts.n();
        int d = acts.dim();
        float[] layer = acts.layers()[l];
        double[] mean = new double[d];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < d; c++) mean[c] += layer[t * d + c];
        }
        for (int c = 0; c < d; c++) mean[c] /= n;
        double[] centred = new double[n * d];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < d; c++) centred[t * d + c] = layer[t * d + c] - mean[c];
        }
        return centred;
    }

    /** ||Y^T X||_F^2 for x (n x dx) and y (n x dy), accumulating Y^T X one prompt (a rank-one update) at a time. */
    private static double crossFrobeniusSquared(double[] y, int dy, double[] x, int dx, int n) {
        double[] product = new double[dy * dx];
        for (int t = 0; t < n; t++) {
            int xRow = t * dx;
            for (int r = 0; r < dy; r++) {
                double yv = y[t * dy + r];
                int out = r * dx;
                for (int c = 0; c < dx; c++) product[out + c] += yv * x[xRow + c];
            }
        }
        return dot(product, product);
    }

    /** The full n x n Gram matrix X X^T (row-major), filled from its upper triangle. */
    private static double[] gram(double[] x, int d, int n) {
        double[] g = new double[n * n];
        for (int s = 0; s < n; s++) {
            for (int t = s; t < n; t++) {
                double sum = 0;
                for (int c = 0; c < d; c++) sum += x[s * d + c] * x[t * d + c];
                g[s * n + t] = sum;
                g[t * n + s] = sum;
            }
        }
        return g;
    }

    private static double dot(double[] u, double[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) sum += u[i] * v[i];
        return sum;
    }
}
