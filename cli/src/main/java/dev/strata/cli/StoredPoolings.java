package dev.strata.cli;

import dev.strata.store.Pooling;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** extract's --pooling: the poolings to store: "both" (the paper's last and mean), "all", or labels joined by commas. */
record StoredPoolings(Set<Pooling> poolings) {
    static StoredPoolings parse(String text) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        if (value.equals("both")) return new StoredPoolings(Pooling.PAPER);
        if (value.equals("all")) return new StoredPoolings(EnumSet.allOf(Pooling.class));
        Set<Pooling> chosen = EnumSet.noneOf(Pooling.class);
        for (String label : value.split(",", -1)) {
            try {
                chosen.add(Pooling.of(label));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown pooling '" + label.strip() + "' (expected both, all, or "
                        + Pooling.allLabels(", ", " or ") + ", several joined by commas)");
            }
        }
        return new StoredPoolings(chosen);
    }

    @Override
    public String toString() {
        return poolings.equals(Pooling.PAPER) ? "both" : Pooling.labels(poolings).replace('+', ',');
    }
}
