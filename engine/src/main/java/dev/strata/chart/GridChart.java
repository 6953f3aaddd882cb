package dev.strata.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small multiples: cell (a, b) is model a's layers (rows) against model b's (columns), one shared colour scale. */
public final class GridChart {
    private GridChart() {}

    /**
     * @param names  the models, in row (and column) order
     * @param cells  cells[a][b]: model a's layers against model b's; null where there is no matrix
     * @param chance marked on the colour bar
     */
    public static BufferedImage render(List<String> names, double[][][][] cells, double chance) {
        int models = names.size();
        List<double[][]> matrices = new ArrayList<>();
        for (double[][][] row : cells) matrices.addAll(Arrays.asList(row));
        double hi = Math.max(0, Drawing.valueRange(matrices)[1]);
        if (hi <= 0) hi = 1;
        int cell = Math.max(70, Math.min(200, 1000 / models));
        int gap = Math.max(6, cell / 14);
        int labelLeft = 170;
        int labelTop = 70;
        int barArea = 150;
        int size = models * cell + (models - 1) * gap;
        int width = labelLeft + size + barArea;
        int height = labelTop + size + 60;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Drawing.graphics(image);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        FontMetrics tm = g.getFontMetrics();
        String title = "All pairs: rows = model A (layers top to bottom), columns = model B (layers left to right)";
        title = Drawing.fit(title, tm, width - 20);
        g.drawString(title, (width - tm.stringWidth(title)) / 2f, 26);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        g.setFont(labelFont);
        FontMetrics fm = g.getFontMetrics();
        for (int a = 0; a < models; a++) {
            int y = labelTop + a * (cell + gap);
            for (int b = 0; b < models; b++) {
                int x = labelLeft + b * (cell + gap);
                Drawing.fillMatrix(g, cells[a][b], x, y, cell, cell, 0, hi);
                g.setColor(a == b ? Color.BLACK : Color.DARK_GRAY);
                g.setStroke(new BasicStroke(a == b ? 2f : 1f));
                g.drawRect(x, y, cell, cell);
            }
            g.setColor(Color.BLACK);
            String name = Drawing.fit(names.get(a), fm, labelLeft - 14);
            g.drawString(name, labelLeft - 8 - fm.stringWidth(name), y + cell / 2f + fm.getAscent() / 2f - 1);
        }
        for (int b = 0; b < models; b++) {
            int x = labelLeft + b * (cell + gap);
            // Cut to the column: rotated long names ran into the title (the table above gives them whole).
            String name = Drawing.fit(names.get(b), fm, cell);
            g.drawString(name, x + (cell - fm.stringWidth(name)) / 2f, labelTop - 10);
        }
        g.setColor(new Color(0x333333));
        String note = "Thick outlines: within-model matrices. Colour: mutual k-NN M, shared scale.";
        g.drawString(Drawing.fit(note, fm, width - 20), labelLeft, height - 22);
        Drawing.colourBar(g, labelLeft + size + 80, labelTop, 20, size, 0, hi, chance, labelFont);
        g.dispose();
        return image;
    }
}
