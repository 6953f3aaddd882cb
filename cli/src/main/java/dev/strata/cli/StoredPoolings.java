package dev.strata.cli;

import dev.strata.store.Pooling;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** extract's --pooling: the poolings to store, one or both. */
enum StoredPoolings {
    BOTH, LAST, MEAN;

    Set<Pooling> poolings() {
        return this == BOTH ? EnumSet.allOf(Pooling.class) : EnumSet.of(Pooling.of(name()));
    }

    /** "both", "last" or "mean" (any case). */
    static StoredPoolings parse(String text) {
        for (StoredPoolings value : values()) {
            if (value.name().equalsIgnoreCase(text.strip())) return value;
        }
        throw new IllegalArgumentException("unknown pooling '" + text + "' (expected both, last or mean)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
