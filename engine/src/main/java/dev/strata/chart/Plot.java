package dev.strata.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small x-y chart drawn with Java2D: markers (and lines) per series, reference lines (identity, chance), round
 * ticks, axis titles and a legend to the right. Enough for the study report; not a plotting library.
 */
final class Plot {
    /** Categorical colours (matplotlib's tab10), readable on white. */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final int LEGEND_MAX = 18;

    /** {@code square}: square markers (used once the palette's colours repeat); label null: not in the legend. */
    record Series(String label, double[] x, double[] y, Color colour, boolean line, boolean dashed,
                  boolean square, float width) {}

    /** Background series (e.g. pairs with a control): thin, light grey, drawn under the others. */
    static final Color MUTED = new Color(0xB8B8B8);
    /** The identity line (same depth, y = x). */
    static final Color IDENTITY_COLOUR = new Color(0x555555);

    record Reference(String label, double x0, double y0, double x1, double y1, Color colour) {}

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final List<Series> series = new ArrayList<>();
    private final List<Series> muted = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();
    private double xLo = Double.NaN;
    private double xHi = Double.NaN;
    private double yLo = Double.NaN;
    private double yHi = Double.NaN;

    Plot(String title, String xTitle, String yTitle) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    Plot x(double lo, double hi) {
        xLo = lo;
        xHi = hi;
        return this;
    }

    Plot y(double lo, double hi) {
        yLo = lo;
        yHi = hi;
        return this;
    }

    /** A series with markers, coloured by its index in the palette (dashed once the palette has been used up). */
    Plot add(String label, double[] x, double[] y, int index, boolean line) {
        Color c = PALETTE[index % PALETTE.length];
        boolean repeat = index >= PALETTE.length;
        series.add(new Series(label, x, y, c, line, repeat, repeat, 2f));
        return this;
    }

    /** A muted background series with markers; {@code label} (null for none) names the whole group in the legend. */
    Plot addMuted(String label, double[] x, double[] y, boolean line) {
        muted.add(new Series(label, x, y, MUTED, line, false, false, 1.3f));
        return this;
    }

    /** One series per curve: those without a control in colour, those with one as a single muted grey group. */
    Plot addCurves(List<Curve> curves, boolean line) {
        int index = 0;
        boolean mutedLabelled = false;
        for (Curve c : curves) {
            if (c.control()) {
                addMuted(mutedLabelled ? null : "pairs with an untrained control", c.x(), c.y(), line);
                mutedLabelled = true;
            } else {
                add(c.label(), c.x(), c.y(), index++, line);
            }
        }
        return this;
    }

    Plot reference(String label, double x0, double y0, double x1, double y1, Color colour) {
        references.add(new Reference(label, x0, y0, x1, y1, colour));
        return this;
    }

    BufferedImage render(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.graphics(image);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font axisFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        Font legendFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        g.setFont(legendFont);
        FontMetrics lm = g.getFontMetrics();
        List<String> legend = new ArrayList<>();
        for (Series s : series) if (s.label() != null) legend.add(s.label());
        for (Series s : muted) if (s.label() != null) legend.add(s.label());
        for (Reference r : references) if (r.label() != null) legend.add(r.label());
        int legendWidth = legend.isEmpty() ? 0
                : Math.min(width / 3, 40 + legend.stream().mapToInt(lm::stringWidth).max().orElse(0));

        int left = 78;
        int top = 50;
        int right = width - 20 - legendWidth;
        int bottom = height - 58;
        double[] xr = range(true);
        double[] yr = range(false);

        // Title
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        FontMetrics tfm = g.getFontMetrics();
        String t = Drawing.fit(title, tfm, width - 20);
        g.drawString(t, (width - tfm.stringWidth(t)) / 2f, 30);

        // Grid and ticks
        g.setFont(tickFont);
        FontMetrics fm = g.getFontMetrics();
        double[] xt = Drawing.niceTicks(xr[0], xr[1], Math.max(3, (right - left) / 90));
        double[] yt = Drawing.niceTicks(yr[0], yr[1], Math.max(3, (bottom - top) / 60));
        int xd = Drawing.decimalsFor(xt);
        int yd = Drawing.decimalsFor(yt);
        for (double v : xt) {
            int x = px(v, xr, left, right);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x, bottom, x, bottom + 5);
            String s = String.format(Locale.ROOT, "%." + xd + "f", v);
            g.drawString(s, x - fm.stringWidth(s) / 2f, bottom + 7 + fm.getAscent());
        }
        for (double v : yt) {
            int y = py(v, yr, top, bottom);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(left - 5, y, left, y);
            String s = String.format(Locale.ROOT, "%." + yd + "f", v);
            g.drawString(s, left - 8 - fm.stringWidth(s), y + fm.getAscent() / 2f - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, right - left, bottom - top);

        // Axis titles
        g.setFont(axisFont);
        FontMetrics am = g.getFontMetrics();
        String xs = Drawing.fit(xTitle, am, right - left);
        g.drawString(xs, left + (right - left - am.stringWidth(xs)) / 2f, height - 14);
        String ys = Drawing.fit(yTitle, am, bottom - top);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(ys, -(top + (bottom - top + am.stringWidth(ys)) / 2f), 22f);
        g.setTransform(saved);

        // Data, clipped to the plot area
        g.setClip(left, top, right - left + 1, bottom - top + 1);
        for (Reference r : references) {
            g.setColor(r.colour());
            g.setStroke(dashedStroke(1.8f));
            g.drawLine(px(r.x0(), xr, left, right), py(r.y0(), yr, top, bottom), px(r.x1(), xr, left, right),
                    py(r.y1(), yr, top, bottom));
        }
        List<Series> drawn = new ArrayList<>(muted);
        drawn.addAll(series);
        for (Series s : drawn) {
            g.setColor(s.colour());
            if (s.line() && s.x().length > 1) {
                g.setStroke(s.dashed() ? dashedStroke(s.width()) : new BasicStroke(s.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D path = new Path2D.Double();
                for (int i = 0; i < s.x().length; i++) {
                    double x = pxd(s.x()[i], xr, left, right);
                    double y = pyd(s.y()[i], yr, top, bottom);
                    if (i == 0) path.moveTo(x, y); else path.lineTo(x, y);
                }
                g.draw(path);
            }
            double r = s.colour() == MUTED ? (s.line() ? 2.5 : 4.5) : s.line() ? 3.5 : 5.5;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) continue;
                double cx = pxd(s.x()[i], xr, left, right);
                double cy = pyd(s.y()[i], yr, top, bottom);
                java.awt.Shape dot = s.square() ? new java.awt.geom.Rectangle2D.Double(cx - r, cy - r, 2 * r, 2 * r)
                        : new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
                g.fill(dot);
                if (!s.line()) {
                    g.setColor(Color.WHITE);
                    g.setStroke(new BasicStroke(1f));
                    g.draw(dot);
                    g.setColor(s.colour());
                }
            }
        }
        g.setClip(null);

        // Legend
        if (!legend.isEmpty()) {
            g.setFont(legendFont);
            int x = right + 16;
            int y = top + 6;
            int shown = 0;
            List<Object> entries = new ArrayList<>();
            series.stream().filter(s -> s.label() != null).forEach(entries::add);
            muted.stream().filter(s -> s.label() != null).forEach(entries::add);
            references.stream().filter(r -> r.label() != null).forEach(entries::add);
            for (Object e : entries) {
                if (shown == LEGEND_MAX && entries.size() > LEGEND_MAX + 1) {
                    g.setColor(Color.DARK_GRAY);
                    g.drawString("… and " + (entries.size() - shown) + " more", x, y + lm.getAscent());
                    break;
                }
                Color c = e instanceof Series s ? s.colour() : ((Reference) e).colour();
                String label = e instanceof Series s ? s.label() : ((Reference) e).label();
                boolean dashed = e instanceof Reference || ((Series) e).dashed();
                boolean line = e instanceof Reference || ((Series) e).line();
                boolean square = e instanceof Series s && s.square();
                g.setColor(c);
                int mid = y + lm.getAscent() / 2 + 1;
                if (line) {
                    g.setStroke(dashed ? dashedStroke(2f) : new BasicStroke(2.5f));
                    g.drawLine(x, mid, x + 22, mid);
                    if (square) g.fill(new java.awt.geom.Rectangle2D.Double(x + 7, mid - 4, 8, 8));
                } else {
                    g.fill(square ? new java.awt.geom.Rectangle2D.Double(x + 6, mid - 5, 10, 10)
                            : new Ellipse2D.Double(x + 6, mid - 5, 10, 10));
                }
                g.setColor(Color.BLACK);
                g.drawString(Drawing.fit(label, lm, legendWidth - 34), x + 30, y + lm.getAscent());
                y += lm.getHeight() + 4;
                shown++;
            }
        }
        g.dispose();
        return image;
    }

    private List<Series> drawn() {
        List<Series> all = new ArrayList<>(muted);
        all.addAll(series);
        return all;
    }

    private static BasicStroke dashedStroke(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {7f, 5f}, 0f);
    }

    /** The axis range: as set, else the data's (and references') extent with a little margin. */
    private double[] range(boolean xAxis) {
        double lo = xAxis ? xLo : yLo;
        double hi = xAxis ? xHi : yHi;
        if (!Double.isNaN(lo) && !Double.isNaN(hi)) return new double[] {lo, hi};
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : drawn()) {
            for (double v : xAxis ? s.x() : s.y()) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min == Double.POSITIVE_INFINITY) {
            min = 0;
            max = 1;
        }
        if (max <= min) max = min + 1;
        double pad = (max - min) * 0.06;
        return new double[] {Double.isNaN(lo) ? min - pad : lo, Double.isNaN(hi) ? max + pad : hi};
    }

    private static int px(double v, double[] r, int left, int right) {
        return (int) Math.round(pxd(v, r, left, right));
    }

    private static double pxd(double v, double[] r, int left, int right) {
        return left + (v - r[0]) / (r[1] - r[0]) * (right - left);
    }

    private static int py(double v, double[] r, int top, int bottom) {
        return (int) Math.round(pyd(v, r, top, bottom));
    }

    private static double pyd(double v, double[] r, int top, int bottom) {
        return bottom - (v - r[0]) / (r[1] - r[0]) * (bottom - top);
    }
}
