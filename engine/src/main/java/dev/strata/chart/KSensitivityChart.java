package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;

/** How the result depends on k: each pair's on − off diagonal mean of M against k. */
public final class KSensitivityChart {
    private KSensitivityChart() {}

    /** @param pairs one curve per cross-model pair: x = k, y = on-diagonal minus off-diagonal mean of M at that k */
    public static BufferedImage render(List<Curve> pairs, int kMax) {
        Plot plot = new Plot("How the result depends on k: on − off diagonal mean against k", "k (neighbours per prompt)",
                "on − off diagonal mean of M").x(0, kMax);
        double lo = 0;
        double hi = 0;
        for (Curve c : pairs) {
            for (double v : c.y()) {
                if (!Double.isFinite(v)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double pad = Math.max(0.01, (hi - lo) * 0.08);
        plot.y(lo - (lo < 0 ? pad : 0), hi + pad);
        plot.addCurves(pairs, true);
        plot.reference("no difference", 0, 0, kMax, 0, Plot.IDENTITY_COLOUR);
        return plot.render(900, 520);
    }
}
