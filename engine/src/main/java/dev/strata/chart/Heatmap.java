package dev.strata.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws a similarity matrix as a viridis heat map with Java2D: row 0 at the top (as numpy prints it),
 * layer-number ticks on both axes, model names as axis titles, and a colour bar with the chance level
 * marked. Works headless.
 */
public final class Heatmap {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 800;
    private static final int LEFT = 95;
    private static final int TOP = 84;
    private static final int BOTTOM = 70;
    private static final int BAR_GAP = 74;
    private static final int BAR_WIDTH = 22;
    private static final int BAR_LABELS = 70;

    /**
     * What to draw.
     *
     * @param outlined      the cells whose border is traced (e.g. the generalized diagonal), same shape as the matrix
     * @param rowNumbers    the layer number printed at each row (e.g. 1..L when the embeddings are dropped)
     * @param rowTitle      the vertical axis title (model A's name)
     * @param chance        marked on the colour bar; NaN for none
     * @param min           colour-scale bottom (NaN: 0, or the matrix minimum when that is negative)
     * @param max           colour-scale top (NaN: the matrix maximum)
     */
    public record Spec(double[][] matrix, boolean[][] outlined, int[] rowNumbers, int[] columnNumbers, String rowTitle, String columnTitle,
                       String title, String subtitle, double chance, double min, double max) {}

    private Heatmap() {}

    /** Renders and writes a PNG atomically. */
    public static void writePng(Path target, Spec spec) throws IOException {
        Drawing.writePng(target, render(spec));
    }

    public static BufferedImage render(Spec spec) {
        double[][] m = spec.matrix();
        int rows = m.length;
        int cols = m[0].length;
        double[] range = colourRange(spec);
        double lo = range[0];
        double hi = range[1];

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.graphics(image);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        int plotRight = WIDTH - BAR_LABELS - BAR_WIDTH - BAR_GAP;
        int plotBottom = HEIGHT - BOTTOM;
        int plotWidth = plotRight - LEFT;
        int plotHeight = plotBottom - TOP;

        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        Drawing.fillMatrix(g, m, LEFT, TOP, plotWidth, plotHeight, lo, hi);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        outline(g, spec.outlined(), plotWidth, plotHeight);
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(LEFT, TOP, plotWidth, plotHeight);

        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font axisFont = new Font(Font.SANS_SERIF, Font.BOLD, 15);
        g.setFont(tickFont);
        FontMetrics tm = g.getFontMetrics();

        // Layer ticks at the centre of their cell.
        double cellWidth = (double) plotWidth / cols;
        for (int j : tickPositions(spec.columnNumbers(), cellWidth, 34)) {
            int x = LEFT + (int) Math.round((j + 0.5) * cellWidth);
            g.drawLine(x, plotBottom, x, plotBottom + 5);
            String text = Integer.toString(spec.columnNumbers()[j]);
            g.drawString(text, x - tm.stringWidth(text) / 2f, plotBottom + 7 + tm.getAscent());
        }
        double cellHeight = (double) plotHeight / rows;
        for (int i : tickPositions(spec.rowNumbers(), cellHeight, 20)) {
            int y = TOP + (int) Math.round((i + 0.5) * cellHeight);
            g.drawLine(LEFT - 5, y, LEFT, y);
            String text = Integer.toString(spec.rowNumbers()[i]);
            g.drawString(text, LEFT - 8 - tm.stringWidth(text), y + tm.getAscent() / 2f - 1);
        }

        g.setFont(axisFont);
        FontMetrics am = g.getFontMetrics();
        String columnTitle = Drawing.fit(spec.columnTitle() + " — layer", am, plotWidth);
        g.drawString(columnTitle, LEFT + (plotWidth - am.stringWidth(columnTitle)) / 2f, HEIGHT - 22);
        String rowTitle = Drawing.fit(spec.rowTitle() + " — layer", am, plotHeight);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(rowTitle, -(TOP + (plotHeight + am.stringWidth(rowTitle)) / 2f), 30f);
        g.setTransform(saved);

        Drawing.colourBar(g, plotRight + BAR_GAP, TOP, BAR_WIDTH, plotHeight, lo, hi, spec.chance(), tickFont);

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 19));
        FontMetrics titleMetrics = g.getFontMetrics();
        String title = Drawing.fit(spec.title(), titleMetrics, WIDTH - 40);
        g.drawString(title, (WIDTH - titleMetrics.stringWidth(title)) / 2f, 32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        FontMetrics subtitleMetrics = g.getFontMetrics();
        String subtitle = Drawing.fit(spec.subtitle(), subtitleMetrics, WIDTH - 40);
        g.setColor(new Color(0x333333));
        g.drawString(subtitle, (WIDTH - subtitleMetrics.stringWidth(subtitle)) / 2f, 58);
        g.dispose();
        return image;
    }

    /** Traces the border of the outlined cells, so the reader sees e.g. what "on-diagonal" averages. */
    private static void outline(Graphics2D g, boolean[][] on, int plotWidth, int plotHeight) {
        int rows = on.length;
        int cols = on[0].length;
        g.setColor(new Color(255, 255, 255, 200));
        g.setStroke(new BasicStroke(1.5f));
        for (int i = 0; i < rows; i++) {
            int y0 = TOP + (int) Math.round((double) i * plotHeight / rows);
            int y1 = TOP + (int) Math.round((double) (i + 1) * plotHeight / rows);
            for (int j = 0; j < cols; j++) {
                if (!on[i][j]) continue;
                int x0 = LEFT + (int) Math.round((double) j * plotWidth / cols);
                int x1 = LEFT + (int) Math.round((double) (j + 1) * plotWidth / cols);
                if (j == 0 || !on[i][j - 1]) g.drawLine(x0, y0, x0, y1);
                if (j == cols - 1 || !on[i][j + 1]) g.drawLine(x1, y0, x1, y1);
                if (i == 0 || !on[i - 1][j]) g.drawLine(x0, y0, x1, y0);
                if (i == rows - 1 || !on[i + 1][j]) g.drawLine(x0, y1, x1, y1);
            }
        }
    }

    /** Bottom and top of the colour scale: the spec's, else [min(0, data min), data max]. */
    static double[] colourRange(Spec spec) {
        double[] data = Drawing.valueRange(List.<double[][]>of(spec.matrix()));
        double dataMin = data[0];
        double dataMax = data[1];
        double lo = Double.isNaN(spec.min()) ? Math.min(0, dataMin) : spec.min();
        double hi = Double.isNaN(spec.max()) ? dataMax : spec.max();
        if (hi <= lo) hi = lo + 1;
        return new double[] {lo, hi};
    }

    /**
     * Which rows (or columns) get a tick: those whose layer number is a multiple of the smallest stride
     * in 1, 2, 5, 10, 20, 50, ... that leaves {@code minSpacing} pixels between ticks, plus the first and
     * last layer when they are more than half a stride from the nearest such multiple inside the axis.
     */
    static List<Integer> tickPositions(int[] numbers, double pixelsPerCell, double minSpacing) {
        int stride = 1;
        for (int step = 1; stride * pixelsPerCell < minSpacing; step++) {
            stride = new int[] {1, 2, 5}[step % 3] * (int) Math.pow(10, step / 3);
        }
        List<Integer> ticks = new ArrayList<>();
        int last = numbers.length - 1;
        for (int i = 0; i <= last; i++) {
            boolean multiple = numbers[i] % stride == 0;
            boolean firstFarFromNext = i == 0 && Math.floorMod(-numbers[i], stride) * 2 > stride;
            boolean lastFarFromPrevious = i == last && Math.floorMod(numbers[i], stride) * 2 > stride;
            if (multiple || firstFarFromNext || lastFarFromPrevious) ticks.add(i);
        }
        return ticks;
    }

    /** About {@code target} round values covering [lo, hi]; see {@link Drawing#niceTicks}. */
    static double[] niceTicks(double lo, double hi, int target) {
        return Drawing.niceTicks(lo, hi, target);
    }
}
