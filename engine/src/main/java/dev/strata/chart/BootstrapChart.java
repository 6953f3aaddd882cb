package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * How sure: each pair's on − off diagonal mean of M (a marker) with the central 95 % interval of its bootstrap
 * distribution over prompts (a vertical bar), one pair per x position.
 */
public final class BootstrapChart {
    private BootstrapChart() {}

    /** One pair: its label, the estimate and the interval's ends. */
    public record Estimate(String label, double value, double low, double high, boolean control) {}

    public static BufferedImage render(List<Estimate> pairs) {
        Plot plot = new Plot("How sure: on − off with its 95% bootstrap interval, per pair", "pair (see legend)",
                "on − off diagonal mean of M").x(0.5, pairs.size() + 0.5);
        double lo = 0;
        double hi = 0;
        for (Estimate e : pairs) {
            if (Double.isFinite(e.low())) lo = Math.min(lo, e.low());
            if (Double.isFinite(e.high())) hi = Math.max(hi, e.high());
        }
        double pad = Math.max(0.01, (hi - lo) * 0.08);
        plot.y(lo - (lo < 0 ? pad : 0), hi + pad);
        int colour = 0;
        boolean controlLabelled = false;
        for (int p = 0; p < pairs.size(); p++) {
            Estimate e = pairs.get(p);
            double x = p + 1;
            if (e.control()) {
                plot.addMuted(controlLabelled ? null : "pairs with an untrained control", new double[] {x, x},
                        new double[] {e.low(), e.high()}, true);
                plot.addMuted(null, new double[] {x}, new double[] {e.value()}, false);
                controlLabelled = true;
            } else {
                plot.add(p + 1 + ": " + e.label(), new double[] {x, x}, new double[] {e.low(), e.high()}, colour, true);
                plot.add(null, new double[] {x}, new double[] {e.value()}, colour++, false);
            }
        }
        plot.reference("no difference", 0.5, 0, pairs.size() + 0.5, 0, Plot.IDENTITY_COLOUR);
        return plot.render(900, 520);
    }
}
