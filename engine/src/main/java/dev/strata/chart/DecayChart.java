package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** Within each model: mean similarity of the layer pairs at each layer offset |i − j| (Claim 1). */
public final class DecayChart {
    private DecayChart() {}

    /**
     * @param models    one curve per model: x = layer offset (from 1), y = mean M at that offset
     * @param maxOffset the largest offset of any model
     */
    public static BufferedImage render(List<Curve> models, double maxOffset, double chance) {
        Plot plot = new Plot("Within each model: M against layer offset |i − j| (Claim 1)", "layer offset",
                "mean M of layer pairs at that offset");
        int index = 0;
        double hi = chance;
        for (Curve c : models) {
            for (double v : c.y()) hi = Math.max(hi, v);
            plot.add(c.label(), c.x(), c.y(), index++, true);
        }
        plot.x(0.5, Math.max(1.5, maxOffset + 0.5)).y(0, Math.min(1, hi * 1.08));
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), 0, chance, maxOffset + 1, chance,
                Drawing.CHANCE_COLOUR);
        return plot.render(900, 500);
    }
}
