package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** For each model, M between its layers and the bag-of-tokens k-NN under its own tokenizer, against depth. */
public final class BagOfTokensChart {
    private BagOfTokensChart() {}

    /** @param models one curve per model: x = proportional depth of the layer, y = M with the bag of tokens */
    public static BufferedImage render(List<Curve> models, double chance) {
        Plot plot = new Plot("What counting tokens explains: M between each layer and the bag of tokens",
                "proportional depth of the layer", "M with the TF-IDF bag-of-tokens k-NN").x(0, 1);
        double hi = chance;
        for (Curve c : models) {
            for (double v : c.y()) hi = Math.max(hi, v);
        }
        int index = 0;
        boolean controlLabelled = false;
        for (Curve c : models) {
            if (c.control()) {
                plot.addMuted(controlLabelled ? null : "untrained controls", c.x(), c.y(), true);
                controlLabelled = true;
            } else {
                plot.add(c.label(), c.x(), c.y(), index++, true);
            }
        }
        plot.y(0, Math.min(1, hi * 1.08));
        plot.reference(String.format(Locale.ROOT, "chance %.4f", chance), 0, chance, 1, chance, Drawing.CHANCE_COLOUR);
        return plot.render(900, 520);
    }
}
