package dev.strata.gguf;

import java.util.List;

/** A metadata array: its element type and its elements, represented as {@link GgufValueType} describes. */
public record GgufArray(GgufValueType elementType, List<Object> values) {
    public GgufArray {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }
}
