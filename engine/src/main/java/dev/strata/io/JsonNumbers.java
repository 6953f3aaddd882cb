package dev.strata.io;

/** Numbers in the JSON outputs: JSON has no NaN or infinity, so an undefined statistic is written as null. */
public final class JsonNumbers {
    private JsonNumbers() {}

    public static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
