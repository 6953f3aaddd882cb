package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** For each layer of model A, its highest similarity with any layer of model B, against depth. */
public final class RowMaximaChart {
    private RowMaximaChart() {}

    /** @param pairs one curve per cross-model pair: x = proportional depth of A's layer, y = the row maximum */
    public static BufferedImage render(List<Curve> pairs, double chance) {
        Plot plot = new Plot("Best match per layer: row maximum of M against depth",
                "proportional depth of model A's layer", "max over model B's layers of M").x(0, 1);
        double hi = chance;
        for (Curve c : pairs) {
            for (double v : c.y()) hi = Math.max(hi, v);
        }
        plot.addCurves(pairs, true);
        plot.y(0, Math.min(1, hi * 1.08));
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), 0, chance, 1, chance, Drawing.CHANCE_COLOUR);
        return plot.render(900, 520);
    }
}
