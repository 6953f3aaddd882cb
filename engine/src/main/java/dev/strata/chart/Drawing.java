package dev.strata.chart;

import dev.strata.io.AtomicFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Java2D helpers shared by the heat map and the study report's charts: canvas, matrix cells, ticks, colour bar, PNG
 * output.
 */
public final class Drawing {
    /** The colour of the chance level wherever it is drawn. */
    public static final Color CHANCE_COLOUR = new Color(0xE8384F);
    /** The colour of an undefined (NaN) cell, or of a missing matrix. */
    static final Color NAN_COLOUR = new Color(0xBBBBBB);

    private Drawing() {}

    /** A graphics context on {@code image} with antialiased shapes and text, filled white. */
    public static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    /** Writes {@code image} as a PNG, atomically. */
    public static void writePng(Path target, BufferedImage image) throws IOException {
        AtomicFile.write(target, out -> {
            if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer available");
        });
    }

    /**
     * Fills a w x h rectangle with the matrix's cells coloured on [lo, hi], row 0 at the top; a null matrix is drawn
     * as one undefined cell. Cell edges are rounded from exact fractions so that neighbouring cells meet without seams.
     */
    static void fillMatrix(Graphics2D g, double[][] m, int x, int y, int w, int h, double lo, double hi) {
        if (m == null) {
            g.setColor(NAN_COLOUR);
            g.fillRect(x, y, w, h);
            return;
        }
        int rows = m.length;
        int cols = m[0].length;
        for (int i = 0; i < rows; i++) {
            int y0 = y + (int) Math.round((double) i * h / rows);
            int y1 = y + (int) Math.round((double) (i + 1) * h / rows);
            for (int j = 0; j < cols; j++) {
                int x0 = x + (int) Math.round((double) j * w / cols);
                int x1 = x + (int) Math.round((double) (j + 1) * w / cols);
                double v = m[i][j];
                g.setColor(Double.isNaN(v) ? NAN_COLOUR : new Color(Viridis.rgb((v - lo) / (hi - lo))));
                g.fillRect(x0, y0, x1 - x0, y1 - y0);
            }
        }
    }

    /** The smallest and largest value of the matrices, NaN left out (null matrices too); [0, 1] when there is none. */
    static double[] valueRange(List<double[][]> matrices) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[][] m : matrices) {
            if (m == null) continue;
            for (double[] row : m) {
                for (double v : row) {
                    if (!Double.isNaN(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
        }
        return min == Double.POSITIVE_INFINITY ? new double[] {0, 1} : new double[] {min, max};
    }

    /**
     * A vertical viridis colour bar of {@code width} x {@code height} pixels at (x, top), value {@code hi} at the top,
     * with tick labels on its right and the chance level (unless NaN or outside [lo, hi]) marked on its left.
     */
    public static void colourBar(Graphics2D g, int x, int top, int width, int height, double lo, double hi,
                                 double chance, Font font) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        for (int y = 0; y < height; y++) {
            g.setColor(new Color(Viridis.rgb(1 - (y + 0.5) / height)));
            g.fillRect(x, top + y, width, 1);
        }
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, top, width, height);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        double[] ticks = niceTicks(lo, hi, Math.max(2, Math.min(8, height / 40)));
        int decimals = decimalsFor(ticks);
        for (double v : ticks) {
            int y = top + (int) Math.round((hi - v) / (hi - lo) * height);
            g.drawLine(x + width, y, x + width + 4, y);
            String text = String.format(Locale.ROOT, "%." + decimals + "f", v);
            g.drawString(text, x + width + 7, y + fm.getAscent() / 2f - 1);
        }
        if (!Double.isNaN(chance) && chance >= lo && chance <= hi) {
            int y = top + (int) Math.round((hi - chance) / (hi - lo) * height);
            g.setColor(CHANCE_COLOUR);
            g.setStroke(new BasicStroke(2.5f));
            g.drawLine(x - 6, y, x + width + 1, y);
            g.setStroke(new BasicStroke(1f));
            g.setFont(font.deriveFont(Font.BOLD));
            FontMetrics cm = g.getFontMetrics();
            // Label left of the bar, lifted clear of the line so a tick label at the same height stays readable.
            g.drawString("chance", x - 9 - cm.stringWidth("chance"), y - 3);
        }
    }

    /** About {@code target} round values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]. */
    public static double[] niceTicks(double lo, double hi, int target) {
        double raw = (hi - lo) / target;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = power * (raw / power <= 1 ? 1 : raw / power <= 2 ? 2 : raw / power <= 5 ? 5 : 10);
        List<Double> ticks = new ArrayList<>();
        for (double v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
            ticks.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Decimals that tell evenly spaced ticks apart. */
    public static int decimalsFor(double[] ticks) {
        if (ticks.length < 2) return 2;
        double step = ticks[1] - ticks[0];
        return Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    }

    /** The text, cut with an ellipsis if it is wider than {@code width} pixels. */
    public static String fit(String text, FontMetrics fm, int width) {
        if (fm.stringWidth(text) <= width) return text;
        String cut = text;
        while (!cut.isEmpty() && fm.stringWidth(cut + "…") > width) cut = cut.substring(0, cut.length() - 1);
        return cut + "…";
    }
}
