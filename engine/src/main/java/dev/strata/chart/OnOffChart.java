package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** On-diagonal against off-diagonal mean similarity, one point per model pair. */
public final class OnOffChart {
    private OnOffChart() {}

    /** @param pairs one single-point curve per cross-model pair: x = off-diagonal mean, y = on-diagonal mean */
    public static BufferedImage render(List<Curve> pairs, double chance) {
        double hi = chance;
        for (Curve c : pairs) hi = Math.max(hi, Math.max(finite(c.y()[0]), finite(c.x()[0])));
        hi = Math.min(1, hi * 1.1);
        Plot plot = new Plot("On-diagonal against off-diagonal mean, one point per pair",
                "off-diagonal mean of M", "on-diagonal mean of M").x(0, hi).y(0, hi);
        plot.addCurves(pairs, false);
        plot.reference("y = x (above: on > off)", 0, 0, hi, hi, Plot.IDENTITY_COLOUR);
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), 0, chance, hi, chance,
                Drawing.CHANCE_COLOUR);
        plot.reference(null, chance, 0, chance, hi, Drawing.CHANCE_COLOUR);
        return plot.render(820, 640);
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }
}
