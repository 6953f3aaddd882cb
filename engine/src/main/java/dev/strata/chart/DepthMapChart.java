package dev.strata.chart;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** The paper's "mean similarity" square: cross-model matrices binned by proportional depth and averaged. */
public final class DepthMapChart {
    private DepthMapChart() {}

    /**
     * @param mean  bins x bins mean similarity, row 0 = depth 0 of model A; NaN for an empty bin
     * @param pairs how many cross-model pairs went into the mean
     */
    public static BufferedImage render(double[][] mean, int pairs, double chance) {
        int bins = mean.length;
        // The colour scale spans the map's own range: the bins differ by little next to 0..1, and the contrast is the point.
        double[] range = Drawing.valueRange(List.<double[][]>of(mean));
        double lo = range[0];
        double hi = range[1];
        if (hi <= lo) hi = lo + 1e-3;
        int width = 790;
        int height = 700;
        int left = 90;
        int top = 70;
        int plot = 520;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.graphics(image);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        FontMetrics tm = g.getFontMetrics();
        String title = "Mean similarity by proportional depth";
        g.drawString(title, (width - tm.stringWidth(title)) / 2f, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        String sub = String.format(Locale.ROOT, "%d cross-model pair%s, both orientations, %d x %d bins; "
                + "colours span %.3f to %.3f (chance %.4f)", pairs, pairs == 1 ? "" : "s", bins, bins, lo, hi, chance);
        g.setColor(new Color(0x333333));
        g.drawString(sub, (width - fm.stringWidth(sub)) / 2f, 50);
        Drawing.fillMatrix(g, mean, left, top, plot, plot, lo, hi);
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, plot, plot);
        for (double v : new double[] {0, 0.25, 0.5, 0.75, 1}) {
            String s = String.format(Locale.ROOT, "%.2f", v);
            int x = left + (int) Math.round(v * plot);
            int y = top + (int) Math.round(v * plot);
            g.drawLine(x, top + plot, x, top + plot + 5);
            g.drawString(s, x - fm.stringWidth(s) / 2f, top + plot + 8 + fm.getAscent());
            g.drawLine(left - 5, y, left, y);
            g.drawString(s, left - 8 - fm.stringWidth(s), y + fm.getAscent() / 2f - 1);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        FontMetrics am = g.getFontMetrics();
        String xt = "proportional depth, model B (0 = first layer, 1 = last)";
        g.drawString(xt, left + (plot - am.stringWidth(xt)) / 2f, top + plot + 50);
        String yt = "proportional depth, model A";
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yt, -(top + (plot + am.stringWidth(yt)) / 2f), 24f);
        g.setTransform(saved);
        Drawing.colourBar(g, left + plot + 80, top, 20, plot, lo, hi, chance, new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.dispose();
        return image;
    }
}
