package dev.strata.gguf;

/**
 * Standard normal values as a pure function of a stream and an index, so random weights are the same bytes on
 * every machine and do not depend on the order tensors are written in.
 */
final class SeededGaussian {
    private SeededGaussian() {}

    /** A standard normal value (Box-Muller on two SplitMix64 outputs). */
    static double value(long stream, long index) {
        long bits = splitMix(stream + index * 0x9E3779B97F4A7C15L);
        double u1 = ((bits >>> 11) + 1) * 0x1.0p-53; // (0, 1]: log stays finite
        double u2 = (splitMix(bits) >>> 11) * 0x1.0p-53;
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    /** One SplitMix64 step: a well-mixed 64-bit value of {@code z}. */
    static long splitMix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
