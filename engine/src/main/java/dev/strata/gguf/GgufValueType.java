package dev.strata.gguf;

import java.util.Optional;

/**
 * The metadata value types of GGUF, with their ids. In {@link GgufFile#metadata()} integers of every width are
 * {@link Long} (uint64 values above {@link Long#MAX_VALUE} wrap, as in Java's unsigned arithmetic), float32 is
 * {@link Float}, float64 {@link Double}, bool {@link Boolean}, string {@link String}, array {@link GgufArray}.
 */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minimumSize;

    GgufValueType(int id, int minimumSize) {
        this.id = id;
        this.minimumSize = minimumSize;
    }

    public static Optional<GgufValueType> byId(long id) {
        for (GgufValueType type : values()) {
            if (type.id == id) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    public int id() {
        return id;
    }

    /** The fewest bytes a value of this type takes in a file: a string's length, an array's type and count. */
    int minimumSize() {
        return minimumSize;
    }
}
