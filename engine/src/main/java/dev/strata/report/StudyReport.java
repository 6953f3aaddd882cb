package dev.strata.report;

import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.Drawing;
import dev.strata.compare.ProportionalDepthMap;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import dev.strata.compare.Viridis;
import dev.strata.io.AtomicFile;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Reading;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsMetadata;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code report.html}: the study as one offline page. Charts are PNGs drawn with Java2D into {@code report/} beside it
 * (the per-pair heat maps are the pairs' own heatmap.png); inline CSS, no scripts, no external URLs.
 */
public final class StudyReport {
    public static final String HTML = "report.html";
    public static final String IMAGES = "report";
    static final Color NAN_COLOUR = new Color(0xBBBBBB);
    private static final Color IDENTITY_COLOUR = new Color(0x555555);

    private StudyReport() {}

    /** Writes the images and the page. */
    public static void write(StudyResult r) throws IOException {
        Path images = r.out().resolve(IMAGES);
        Files.createDirectories(images);
        List<Pair> cross = r.pairs().stream().filter(p -> !p.withinModel()).toList();
        List<Pair> trainedCross = cross.stream().filter(p -> !r.involvesControl(p)).toList();
        List<Pair> mapPairs = trainedCross.isEmpty() ? cross : trainedCross;

        Drawing.writePng(images.resolve("grid.png"), grid(r));
        boolean depthMap = !mapPairs.isEmpty();
        if (depthMap) Drawing.writePng(images.resolve("depth-map.png"), depthMap(r, mapPairs));
        if (!cross.isEmpty()) {
            Drawing.writePng(images.resolve("row-maxima.png"), rowMaxima(r, cross));
            Drawing.writePng(images.resolve("argmax-depth.png"), argmaxDepth(r, cross));
            Drawing.writePng(images.resolve("on-off.png"), onOff(r, cross));
        }
        Drawing.writePng(images.resolve("decay.png"), decay(r));
        AtomicFile.writeString(r.out().resolve(HTML), html(r, cross, mapPairs, depthMap));
    }

    // ---- charts ----

    /** Small multiples: cell (a, b) is model a's layers (rows) against model b's (columns), one shared colour scale. */
    static BufferedImage grid(StudyResult r) {
        int models = r.models().size();
        double[][][][] cells = new double[models][models][][];
        double hi = 0;
        for (Pair p : r.pairs()) {
            double[][] m = p.comparison().matrix();
            cells[p.i()][p.j()] = m;
            cells[p.j()][p.i()] = SimilarityStats.transpose(m);
            for (double[] row : m) for (double v : row) if (!Double.isNaN(v)) hi = Math.max(hi, v);
        }
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
                drawMatrix(g, cells[a][b], x, y, cell, cell, 0, hi);
                g.setColor(a == b ? Color.BLACK : Color.DARK_GRAY);
                g.setStroke(new BasicStroke(a == b ? 2f : 1f));
                g.drawRect(x, y, cell, cell);
            }
            g.setColor(Color.BLACK);
            String name = Drawing.fit(r.models().get(a).model().name(), fm, labelLeft - 14);
            g.drawString(name, labelLeft - 8 - fm.stringWidth(name), y + cell / 2f + fm.getAscent() / 2f - 1);
        }
        for (int b = 0; b < models; b++) {
            int x = labelLeft + b * (cell + gap);
            // Cut to the column: rotated long names ran into the title (the table above gives them whole).
            String name = Drawing.fit(r.models().get(b).model().name(), fm, cell);
            g.drawString(name, x + (cell - fm.stringWidth(name)) / 2f, labelTop - 10);
        }
        g.setColor(new Color(0x333333));
        String note = "Thick outlines: within-model matrices. Colour: mutual k-NN M, shared scale.";
        g.drawString(Drawing.fit(note, fm, width - 20), labelLeft, height - 22);
        Drawing.colourBar(g, labelLeft + size + 80, labelTop, 20, size, 0, hi, r.chance(), labelFont);
        g.dispose();
        return image;
    }

    /** Fills a w x h rectangle with the matrix's cells coloured on [lo, hi]; row 0 at the top. */
    static void drawMatrix(Graphics2D g, double[][] m, int x, int y, int w, int h, double lo, double hi) {
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

    /** The paper's "mean similarity" square: every cross-model matrix in both orientations, binned by depth. */
    static BufferedImage depthMap(StudyResult r, List<Pair> pairs) {
        int maxLayers = r.models().stream().mapToInt(m -> m.layers().size()).max().orElse(2);
        int bins = Math.clamp(maxLayers, 2, 20);
        ProportionalDepthMap map = new ProportionalDepthMap(bins);
        for (Pair p : pairs) map.addBothOrientations(p.comparison().matrix());
        double[][] mean = map.mean();
        // The colour scale spans the map's own range: the bins differ by little next to 0..1, and the contrast is the point.
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] row : mean) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo == Double.POSITIVE_INFINITY) {
            lo = 0;
            hi = 1;
        }
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
                + "colours span %.3f to %.3f (chance %.4f)", pairs.size(), pairs.size() == 1 ? "" : "s", bins, bins,
                lo, hi, r.chance());
        g.setColor(new Color(0x333333));
        g.drawString(sub, (width - fm.stringWidth(sub)) / 2f, 50);
        drawMatrix(g, mean, left, top, plot, plot, lo, hi);
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
        Drawing.colourBar(g, left + plot + 80, top, 20, plot, lo, hi, r.chance(), new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.dispose();
        return image;
    }

    private static String pairLabel(Pair p) {
        return p.comparison().nameA() + " → " + p.comparison().nameB();
    }

    /** Adds one series per pair: trained pairs in colour, pairs with a control as one muted grey group. */
    private static void addPairs(Plot plot, StudyResult r, List<Pair> cross, boolean line,
                                 java.util.function.Function<Pair, double[][]> xy) {
        int index = 0;
        boolean mutedLabelled = false;
        for (Pair p : cross) {
            double[][] d = xy.apply(p);
            if (r.involvesControl(p)) {
                plot.addMuted(mutedLabelled ? null : "pairs with an untrained control", d[0], d[1], line, true);
                mutedLabelled = true;
            } else {
                plot.add(pairLabel(p), d[0], d[1], index++, line, true);
            }
        }
    }

    static BufferedImage rowMaxima(StudyResult r, List<Pair> cross) {
        Plot plot = new Plot("Best match per layer: row maximum of M against depth",
                "proportional depth of model A's layer", "max over model B's layers of M").x(0, 1);
        double hi = r.chance();
        for (Pair p : cross) {
            for (var d : p.comparison().summary().rowMaxima()) hi = Math.max(hi, d.value());
        }
        addPairs(plot, r, cross, true, p -> new double[][] {depths(p.comparison().summary().rowMaxima()),
                values(p.comparison().summary().rowMaxima())});
        plot.y(0, Math.min(1, hi * 1.08));
        plot.reference(String.format(Locale.ROOT, "chance %.4f", r.chance()), 0, r.chance(), 1, r.chance(),
                Drawing.CHANCE_COLOUR);
        return plot.render(900, 520);
    }

    static BufferedImage argmaxDepth(StudyResult r, List<Pair> cross) {
        Plot plot = new Plot("Where the best match sits: argmax depth against depth",
                "proportional depth of model A's layer", "depth of model B's most similar layer").x(0, 1).y(0, 1);
        addPairs(plot, r, cross, true, p -> new double[][] {depths(p.comparison().summary().rowArgmaxDepth()),
                values(p.comparison().summary().rowArgmaxDepth())});
        plot.reference("identity (same depth)", 0, 0, 1, 1, IDENTITY_COLOUR);
        return plot.render(900, 560);
    }

    static BufferedImage onOff(StudyResult r, List<Pair> cross) {
        double hi = r.chance();
        for (Pair p : cross) {
            Summary s = p.comparison().summary();
            hi = Math.max(hi, Math.max(finite(s.onDiagonalMean()), finite(s.offDiagonalMean())));
        }
        hi = Math.min(1, hi * 1.1);
        Plot plot = new Plot("On-diagonal against off-diagonal mean, one point per pair",
                "off-diagonal mean of M", "on-diagonal mean of M").x(0, hi).y(0, hi);
        addPairs(plot, r, cross, false, p -> new double[][] {{p.comparison().summary().offDiagonalMean()},
                {p.comparison().summary().onDiagonalMean()}});
        plot.reference("y = x (above: on > off)", 0, 0, hi, hi, IDENTITY_COLOUR);
        plot.reference(String.format(Locale.ROOT, "chance %.4f", r.chance()), 0, r.chance(), hi, r.chance(),
                Drawing.CHANCE_COLOUR);
        plot.reference(null, r.chance(), 0, r.chance(), hi, Drawing.CHANCE_COLOUR);
        return plot.render(820, 640);
    }

    static BufferedImage decay(StudyResult r) {
        Plot plot = new Plot("Within each model: M against layer offset |i − j| (Claim 1)", "layer offset",
                "mean M of layer pairs at that offset");
        int index = 0;
        double hi = r.chance();
        for (Pair p : r.pairs()) {
            if (!p.withinModel()) continue;
            List<SimilarityStats.DecayPoint> decay = p.comparison().summary().decay().stream()
                    .filter(d -> d.offset() > 0).toList();
            double[] x = decay.stream().mapToDouble(SimilarityStats.DecayPoint::offset).toArray();
            double[] y = decay.stream().mapToDouble(SimilarityStats.DecayPoint::mean).toArray();
            for (double v : y) hi = Math.max(hi, v);
            plot.add(p.comparison().nameA(), x, y, index++, true, true);
        }
        double maxOffset = r.models().stream().mapToInt(m -> m.layers().size() - 1).max().orElse(1);
        plot.x(0.5, Math.max(1.5, maxOffset + 0.5)).y(0, Math.min(1, hi * 1.08));
        plot.reference(String.format(Locale.ROOT, "chance %.4f", r.chance()), 0, r.chance(), maxOffset + 1,
                r.chance(), Drawing.CHANCE_COLOUR);
        return plot.render(900, 500);
    }

    private static double[] depths(List<SimilarityStats.DepthPoint> points) {
        return points.stream().mapToDouble(SimilarityStats.DepthPoint::depth).toArray();
    }

    private static double[] values(List<SimilarityStats.DepthPoint> points) {
        return points.stream().mapToDouble(SimilarityStats.DepthPoint::value).toArray();
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    // ---- HTML ----

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1d1d1f;\
            background:#fafafa;line-height:1.45}
            main{max-width:1180px;margin:0 auto;padding:24px 32px 60px;background:#fff}
            h1{font-size:1.7em;margin:.2em 0 .1em}h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #ddd;\
            padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}
            .sub{color:#555;margin-top:0}
            .reading{background:#eef5fb;border-left:5px solid #1f77b4;padding:14px 18px;font-size:1.06em;margin:18px 0}
            .reading p{margin:.35em 0}
            table{border-collapse:collapse;margin:8px 0 16px;font-size:.92em}
            th,td{border-bottom:1px solid #e3e3e3;padding:4px 10px;text-align:left;vertical-align:top}
            th{background:#f3f3f3;font-weight:600}
            td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            td.yes{color:#1a7f37;font-weight:600}td.no{color:#b42318;font-weight:600}
            code{font-size:.88em;word-break:break-all}
            figure{margin:14px 0 24px}figure img{max-width:100%;height:auto;border:1px solid #e5e5e5}
            figcaption{color:#444;font-size:.93em;margin-top:4px;max-width:900px}
            .pairs{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
            .pairs figure{margin:0}
            .muted{color:#666;font-size:.9em}
            """;

    static String html(StudyResult r, List<Pair> cross, List<Pair> mapPairs, boolean depthMap) {
        StringBuilder h = new StringBuilder(32_768);
        Settings o = r.settings();
        String modelNames = String.join(", ", r.models().stream().map(m -> m.model().name()).toList());
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>strata study: ").append(esc(modelNames)).append("</title>\n<style>\n").append(CSS)
                .append("</style></head><body><main>\n");
        h.append("<h1>Layer similarity across models</h1>\n<p class=\"sub\">")
                .append(r.models().size()).append(" models · corpus ").append(esc(r.corpusName()))
                .append(" (n = ").append(r.n()).append(" prompts) · mutual k-NN with k = ").append(o.k())
                .append(" · ").append(o.pooling().label()).append("-token pooling · ").append(o.view())
                .append(" view, embeddings (h<sub>0</sub>) left out · chance k/(n−1) = ")
                .append(Reading.fmt4(r.chance())).append("</p>\n");

        if (!r.skipped().isEmpty()) {
            h.append("<h2>Models skipped</h2>\n<table><tr><th>model</th><th>file</th><th>why</th></tr>\n");
            for (SkippedModel m : r.skipped()) {
                h.append("<tr><td>").append(esc(m.model().name())).append("</td><td><code>")
                        .append(esc(m.model().file().toString())).append("</code></td><td>").append(esc(m.reason()))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n<p class=\"muted\">These models could not be extracted; the study goes on without "
                    + "them.</p>\n");
        }
        h.append("<div class=\"reading\">\n");
        for (String s : r.reading()) {
            h.append("<p>").append(esc(s)).append("</p>\n");
        }
        h.append("</div>\n");
        h.append("<p class=\"muted\">M(f, g) is the mean share of the k nearest neighbours that layer f of one model "
                + "and layer g of the other agree on (1 = identical neighbourhoods, chance = k/(n−1)). The "
                + "<em>generalized diagonal</em> pairs layers at similar proportional depth (outlined in the heat maps); "
                + "the paper's claim is that its mean exceeds the mean of the other cells.</p>\n");

        if (!cross.isEmpty()) {
            h.append("<h2>Model pairs</h2>\n<table><tr><th>model A (rows)</th><th>model B (columns)</th>"
                    + "<th>layers</th><th>on-diagonal</th><th>off-diagonal</th><th>on &gt; off</th>"
                    + "<th>Spearman A→B</th><th>Spearman B→A</th><th>p (B = 5)</th><th>p (B = 10)</th><th>files</th></tr>\n");
            boolean controlHeader = false;
            for (Pair p : cross) {
                if (r.involvesControl(p) && !controlHeader) {
                    h.append("<tr><th colspan=\"11\">Pairs with an untrained control</th></tr>\n");
                    controlHeader = true;
                }
                pairRow(h, r, p);
            }
            h.append("</table>\n<p class=\"muted\">Spearman: rank correlation of layer index with the index of the most "
                    + "similar layer in the other model (1 = the best matches follow depth in order; — where one side "
                    + "is constant, e.g. every layer's best match is the same layer). p: block "
                    + "permutation test of on − off with ").append(o.resamples()).append(" resamples (— where the "
                    + "matrix has fewer layers than blocks).</p>\n");
        }

        h.append("<h2>All pairs at a glance</h2>\n");
        figure(h, "report/grid.png", "Grid of all similarity matrices",
                "Row a, column b: model a's layers (top to bottom) against model b's (left to right), on one colour "
                        + "scale. Diagonal cells are within-model matrices; cell (b, a) is cell (a, b) transposed.");

        if (!cross.isEmpty()) {
            h.append("<h2>Depth correspondence</h2>\n");
            if (depthMap) {
                figure(h, "report/depth-map.png", "Mean similarity by proportional depth",
                        "Every cross-model matrix" + (mapPairs.size() < cross.size() ? " between trained models" : "")
                                + " placed on the unit square by proportional depth (layer l of L at (l−1)/(L−1)), "
                                + "in both orientations, and averaged bin by bin. The paper's claim: a bright "
                                + "diagonal, dark corners.");
            }
            figure(h, "report/row-maxima.png", "Row maximum against depth",
                    "For each layer of model A, its highest M with any layer of model B.");
            figure(h, "report/argmax-depth.png", "Argmax depth against depth",
                    "For each layer of model A, the depth of model B's most similar layer; the dashed line is "
                            + "equal depth.");
            figure(h, "report/on-off.png", "On-diagonal against off-diagonal mean",
                    "One point per pair. Points above the y = x line have a higher on-diagonal mean; the red "
                            + "dashed lines mark the chance level.");
        }
        h.append("<h2>Within each model</h2>\n");
        figure(h, "report/decay.png", "Similarity against layer offset",
                "Mean M of all pairs of layers at a given distance within one model: neighbouring layers are "
                        + "expected to agree most.");

        h.append("<h2>Heat maps per pair</h2>\n<p class=\"muted\">Each heat map is the pair's folder's heatmap.png; "
                + "the folder also holds similarity.npy, similarity.csv and summary.json.</p>\n");
        if (!cross.isEmpty()) {
            h.append("<h3>Across models</h3>\n<div class=\"pairs\">\n");
            for (Pair p : cross) pairFigure(h, r, p);
            h.append("</div>\n");
        }
        h.append("<h3>Within models</h3>\n<div class=\"pairs\">\n");
        for (Pair p : r.pairs()) if (p.withinModel()) pairFigure(h, r, p);
        h.append("</div>\n");

        provenance(h, r);
        h.append("</main></body></html>\n");
        return h.toString();
    }

    private static void pairRow(StringBuilder h, StudyResult r, Pair p) {
        Summary s = p.comparison().summary();
        double[][] m = p.comparison().matrix();
        boolean above = s.onDiagonalMean() > s.offDiagonalMean();
        h.append("<tr><td>").append(esc(p.comparison().nameA())).append("</td><td>")
                .append(esc(p.comparison().nameB())).append("</td><td class=\"num\">").append(m.length).append(" × ")
                .append(m[0].length).append("</td>").append(num(s.onDiagonalMean(), 3)).append(num(s.offDiagonalMean(), 3))
                .append("<td class=\"").append(above ? "yes\">yes" : "no\">no").append("</td>")
                .append(num(s.rowArgmaxSpearman(), 2)).append(num(s.columnArgmaxSpearman(), 2))
                .append(num(s.permutationP(5), 3)).append(num(s.permutationP(10), 3)).append("<td><a href=\"")
                .append(esc(r.relative(p.dir()))).append("/\" title=\"").append(esc(r.relative(p.dir()))).append("\">folder</a></td></tr>\n");
    }

    private static void pairFigure(StringBuilder h, StudyResult r, Pair p) {
        Summary s = p.comparison().summary();
        String caption = p.withinModel()
                ? p.comparison().nameA() + " against itself"
                : p.comparison().nameA() + " (rows) against " + p.comparison().nameB() + " (columns): on-diagonal "
                        + Reading.fmt3(s.onDiagonalMean()) + ", off-diagonal " + Reading.fmt3(s.offDiagonalMean());
        figure(h, r.relative(p.dir().resolve(ComparisonWriter.HEATMAP_PNG)), "Heat map: " + caption, caption);
    }

    private static void provenance(StringBuilder h, StudyResult r) {
        Settings o = r.settings();
        h.append("<h2>Provenance</h2>\n<h3>Models</h3>\n<table><tr><th>model</th><th>file</th><th>architecture</th>"
                + "<th>blocks</th><th>width</th><th>layers compared</th><th>sha256</th></tr>\n");
        for (ModelResult m : r.models()) {
            ActivationsMetadata md = m.metadata();
            h.append("<tr><td>").append(esc(m.model().name())).append("</td><td><code>")
                    .append(esc(m.model().isControl() ? r.relative(m.model().file()) : m.model().file().toString()))
                    .append("</code>");
            if (m.model().isControl()) {
                h.append("<br><span class=\"muted\">untrained control: the metadata and tensor shapes of ")
                        .append(esc(m.model().controlOf())).append(", random weights</span>");
            }
            h.append("</td><td>").append(esc(Objects.toString(md.architecture(), "?"))).append("</td>")
                    .append("<td class=\"num\">").append(esc(Objects.toString(md.nLayer(), "?"))).append("</td>")
                    .append("<td class=\"num\">").append(esc(Objects.toString(md.nEmbd(), "?"))).append("</td>")
                    .append("<td class=\"num\">").append(m.layers().size()).append("</td><td><code>")
                    .append(esc(Objects.toString(md.modelSha256(), "?"))).append("</code></td></tr>\n");
        }
        h.append("</table>\n<h3>Settings</h3>\n<table>\n");
        row(h, "corpus", esc(r.corpusName()) + " (n = " + r.n() + ")");
        row(h, "corpus sha256", "<code>" + esc(r.corpusSha256()) + "</code>");
        row(h, "k", Integer.toString(o.k()));
        row(h, "pooling", o.pooling().label());
        row(h, "view", o.view() + (o.view().toString().equals("hf")
                ? " (Hugging Face hidden states: embeddings, residual after blocks 1..L−1, final norm)"
                : " (residual after every block, then the final norm)"));
        row(h, "layers compared", "the view without h<sub>0</sub> (the embeddings)");
        row(h, "max tokens per prompt", Integer.toString(o.maxTokens()));
        row(h, "permutation test", o.resamples() + " resamples, seed " + o.seed());
        row(h, "strata", esc(o.version()));
        row(h, "llama.cpp", esc(o.llamaCpp()));
        h.append("</table>\n<h3>Timings</h3>\n<table><tr><th>stage</th><th>seconds</th></tr>\n");
        for (var e : r.stageSeconds().entrySet()) {
            String stage = e.getKey();
            boolean reused = e.getValue() == 0 && (stage.startsWith("extract: ") || stage.startsWith("knn: "));
            h.append("<tr><td>").append(esc(stage)).append("</td>").append(reused
                    ? "<td class=\"num\">reused</td>" : num(e.getValue(), 2)).append("</tr>\n");
        }
        h.append("</table>\n<p class=\"muted\">Machine-readable: <a href=\"study.json\">study.json</a>.</p>\n");
    }

    private static void row(StringBuilder h, String key, String valueHtml) {
        h.append("<tr><th>").append(esc(key)).append("</th><td>").append(valueHtml).append("</td></tr>\n");
    }

    private static void figure(StringBuilder h, String src, String alt, String caption) {
        h.append("<figure><img src=\"").append(esc(src)).append("\" alt=\"").append(esc(alt))
                .append("\" loading=\"lazy\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
    }

    private static String num(double v, int decimals) {
        return "<td class=\"num\">" + (Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "—")
                + "</td>";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
