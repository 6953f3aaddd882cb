package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Across models: for each pair, mean similarity against the distance of model B's layer from the layer of B that best
 * matches each layer of A, as a share of B's depth (the cross-model counterpart of {@link DecayChart}).
 */
public final class CrossDecayChart {
    private CrossDecayChart() {}

    /** @param pairs one curve per cross-model pair: x = |j − argmax(i)| / (L_B − 1), y = mean M at that distance */
    public static BufferedImage render(List<Curve> pairs, double chance) {
        Plot plot = new Plot("Across models: M against distance from the best-matching layer",
                "distance from the row's best layer of model B, as a share of B's depth",
                "mean M at that distance").x(0, 1);
        double hi = chance;
        for (Curve c : pairs) {
            for (double v : c.y()) hi = Math.max(hi, v);
        }
        plot.y(0, Math.min(1, hi * 1.08));
        plot.addCurves(pairs, true);
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), 0, chance, 1, chance, Drawing.CHANCE_COLOUR);
        return plot.render(900, 500);
    }
}
