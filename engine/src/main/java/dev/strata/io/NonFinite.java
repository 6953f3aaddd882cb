package dev.strata.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Counts NaN and infinite float32 values. A float is non-finite exactly when its 8 exponent bits are all ones, so
 * the check is one mask and compare per value on the raw bits: no branches on the value, no allocation.
 */
public final class NonFinite {
    private static final ValueLayout.OfInt LITTLE_ENDIAN_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int EXPONENT = 0x7f80_0000;

    private NonFinite() {}

    /** Non-finite values among the {@code floats} little-endian float32 values at byte {@code offset} of {@code segment}. */
    public static long count(MemorySegment segment, long offset, long floats) {
        long found = 0;
        for (long i = 0; i < floats; i++) {
            found += isNonFinite(segment.get(LITTLE_ENDIAN_INT, offset + i * Float.BYTES)) ? 1 : 0;
        }
        return found;
    }

    /** Non-finite values among {@code values[0 .. length)}. */
    public static int count(float[] values, int length) {
        int found = 0;
        for (int i = 0; i < length; i++) {
            found += isNonFinite(Float.floatToRawIntBits(values[i])) ? 1 : 0;
        }
        return found;
    }

    private static boolean isNonFinite(int bits) {
        return (bits & EXPONENT) == EXPONENT;
    }
}
