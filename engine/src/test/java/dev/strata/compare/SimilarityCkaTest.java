package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SimilarityCkaTest {
    static float[] random(int n, int d, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** x (n x 3) times a rotation about z by 30 degrees then about x by 50 degrees, scaled by {@code scale}, plus a shift. */
    static float[] rotatedScaledShifted(float[] x, int n, double scale) {
        double c1 = Math.cos(Math.toRadians(30)), s1 = Math.sin(Math.toRadians(30));
        double c2 = Math.cos(Math.toRadians(50)), s2 = Math.sin(Math.toRadians(50));
        double[][] rz = {{c1, -s1, 0}, {s1, c1, 0}, {0, 0, 1}};
        double[][] rx = {{1, 0, 0}, {0, c2, -s2}, {0, s2, c2}};
        float[] y = new float[x.length];
        for (int t = 0; t < n; t++) {
            double[] v = {x[3 * t], x[3 * t + 1], x[3 * t + 2]};
            double[] w = new double[3];
            double[] u = new double[3];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) w[i] += rz[i][j] * v[j];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) u[i] += rx[i][j] * w[j];
            for (int i = 0; i < 3; i++) y[3 * t + i] = (float) (scale * u[i] + 7 * i);
        }
        return y;
    }

    @Test
    void oneDimensionalCkaIsTheSquaredPearsonCorrelation() {
        // Centred x = (-1.5, -.5, .5, 1.5), y = (-1.5, .5, -.5, 1.5): (y.x)^2 / (|x|^2 |y|^2) = 16 / 25.
        assertEquals(0.64, LinearCka.cka(new float[] {1, 2, 3, 4}, 1, new float[] {1, 3, 2, 4}, 1, 4), 1e-12);
    }

    @Test
    void ckaOfAMatrixWithItselfIsOneOnBothRoutes() {
        float[] x = random(6, 3, 1);
        var acts = new LinearCka.Activations(6, 3, new float[][] {x});
        for (LinearCka.Route route : LinearCka.Route.values()) {
            assertEquals(1.0, LinearCka.matrix(acts, acts, route)[0][0], 1e-12, route.name());
        }
    }

    @Test
    void invariantToOrthogonalTransformIsotropicScalingAndShift() {
        int n = 40;
        float[] x = random(n, 3, 2);
        float[] z = random(n, 5, 3);
        float[] y = rotatedScaledShifted(x, n, 2.5);
        var xs = new LinearCka.Activations(n, 3, new float[][] {x, y});
        var zs = new LinearCka.Activations(n, 5, new float[][] {z});
        for (LinearCka.Route route : LinearCka.Route.values()) {
            double[][] self = LinearCka.matrix(xs, xs, route);
            assertEquals(1.0, self[0][1], 1e-6, route + ": CKA(X, cXQ + b)");
            double[][] cross = LinearCka.matrix(xs, zs, route);
            assertEquals(cross[0][0], cross[1][0], 1e-6, route + ": CKA(X, Z) = CKA(cXQ + b, Z)");
            assertTrue(cross[0][0] > 0 && cross[0][0] < 1, "unrelated matrices: " + cross[0][0]);
        }
        assertEquals(LinearCka.matrix(xs, zs, LinearCka.Route.FEATURES)[0][0],
                LinearCka.matrix(xs, zs, LinearCka.Route.GRAMS)[0][0], 1e-9, "both routes compute the same number");
    }

    @Test
    void picksTheCheaperRoute() {
        var tall = new LinearCka.Activations(1000, 2, new float[][] {new float[2000]});
        var wide = new LinearCka.Activations(4, 1000, new float[][] {new float[4000]});
        assertEquals(LinearCka.Route.FEATURES, LinearCka.cheaperRoute(tall, tall));
        assertEquals(LinearCka.Route.GRAMS, LinearCka.cheaperRoute(wide, wide));
    }
}
