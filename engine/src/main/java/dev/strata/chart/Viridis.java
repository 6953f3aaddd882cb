package dev.strata.chart;

/**
 * matplotlib's viridis colour map as a 256-entry lookup table, built from the degree-6 polynomial
 * fit by Matt Zucker (public domain, shadertoy "viridis approximation"): within about 1/255 of
 * matplotlib's table, perceptually uniform and readable in grey scale and by colour-blind readers.
 */
public final class Viridis {
    private static final double[][] COEFFICIENTS = {
        {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
        {0.1050930431085774, 1.404613529898575, 1.384590162594685},
        {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
        {-4.634230498983486, -5.799100973351585, -19.33244095627987},
        {6.228269936347081, 14.17993336680509, 56.69055260068105},
        {4.776384997670288, -13.74514537774601, -65.35303263337234},
        {-5.435455855934631, 4.645852612178535, 26.3124352495832},
    };

    private static final int[] LUT = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            double t = i / 255.0;
            int rgb = 0;
            for (int channel = 0; channel < 3; channel++) {
                double v = 0;
                for (int p = COEFFICIENTS.length - 1; p >= 0; p--) v = v * t + COEFFICIENTS[p][channel];
                rgb = (rgb << 8) | (int) Math.round(255 * Math.clamp(v, 0.0, 1.0));
            }
            LUT[i] = rgb;
        }
    }

    private Viridis() {}

    /** The 0xRRGGBB colour for t in [0, 1] (clamped). */
    public static int rgb(double t) {
        return LUT[(int) Math.round(255 * Math.clamp(t, 0.0, 1.0))];
    }
}
