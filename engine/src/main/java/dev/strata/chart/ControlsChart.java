package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Every control beside the result: each pair's on-diagonal mean of M on the corpus (x = 0), on random strings (1),
 * between the untrained twins (2), and the pair's mean M with its models' bags of tokens (3); a control not run is
 * left out of the curve.
 */
public final class ControlsChart {
    /** The x position of each column, in order. */
    public static final List<String> COLUMNS = List.of("corpus", "random strings", "untrained twins", "bag of tokens");

    private ControlsChart() {}

    /** @param pairs one curve per pair of trained models: x = a column's position, y = its value */
    public static BufferedImage render(List<Curve> pairs, double chance) {
        String xTitle = String.join(", ", COLUMNS.stream().map(c -> COLUMNS.indexOf(c) + ": " + c).toList());
        Plot plot = new Plot("The result beside its controls", xTitle, "on-diagonal mean M (3: mean over layers)")
                .x(-0.2, COLUMNS.size() - 0.8);
        double hi = chance;
        for (Curve c : pairs) {
            for (double v : c.y()) if (Double.isFinite(v)) hi = Math.max(hi, v);
        }
        plot.y(0, Math.min(1, hi * 1.08));
        plot.addCurves(pairs, true);
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), -0.2, chance, COLUMNS.size() - 0.8, chance,
                Drawing.CHANCE_COLOUR);
        return plot.render(900, 520);
    }
}
