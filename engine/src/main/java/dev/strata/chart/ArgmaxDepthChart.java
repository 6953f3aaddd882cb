package dev.strata.chart;

import java.awt.image.BufferedImage;
import java.util.List;

/** For each layer of model A, the proportional depth of model B's most similar layer, against depth. */
public final class ArgmaxDepthChart {
    private ArgmaxDepthChart() {}

    /** @param pairs one curve per cross-model pair: x = depth of A's layer, y = depth of B's best match */
    public static BufferedImage render(List<Curve> pairs) {
        Plot plot = new Plot("Where the best match sits: argmax depth against depth",
                "proportional depth of model A's layer", "depth of model B's most similar layer").x(0, 1).y(0, 1);
        plot.addCurves(pairs, true);
        plot.reference("identity (same depth)", 0, 0, 1, 1, Plot.IDENTITY_COLOUR);
        return plot.render(900, 560);
    }
}
