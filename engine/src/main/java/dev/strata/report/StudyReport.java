package dev.strata.report;

import dev.strata.chart.ArgmaxDepthChart;
import dev.strata.chart.Curve;
import dev.strata.chart.DecayChart;
import dev.strata.chart.DepthMapChart;
import dev.strata.chart.Drawing;
import dev.strata.chart.GridChart;
import dev.strata.chart.OnOffChart;
import dev.strata.chart.RowMaximaChart;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.ProportionalDepthMap;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import dev.strata.io.AtomicFile;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Reading;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code report.html}: the study as one offline page. Charts are PNGs drawn with Java2D into {@code report/} beside it
 * (the per-pair heat maps are the pairs' own heatmap.png); inline CSS, no scripts, no external URLs.
 */
public final class StudyReport {
    public static final String HTML = "report.html";
    public static final String IMAGES = "report";

    private StudyReport() {}

    /** Writes the images and the page. */
    public static void write(StudyResult r) throws IOException {
        Path images = r.out().resolve(IMAGES);
        Files.createDirectories(images);
        List<Pair> cross = r.pairs().stream().filter(p -> !p.withinModel()).toList();
        List<Pair> trainedCross = cross.stream().filter(p -> !r.involvesControl(p)).toList();
        List<Pair> mapPairs = trainedCross.isEmpty() ? cross : trainedCross;

        double chance = r.chance();
        List<String> names = r.models().stream().map(m -> m.model().name()).toList();
        Drawing.writePng(images.resolve("grid.png"), GridChart.render(names, gridCells(r), chance));
        boolean depthMap = !mapPairs.isEmpty();
        if (depthMap) {
            Drawing.writePng(images.resolve("depth-map.png"),
                    DepthMapChart.render(depthMap(r, mapPairs), mapPairs.size(), chance));
        }
        if (!cross.isEmpty()) {
            Drawing.writePng(images.resolve("row-maxima.png"),
                    RowMaximaChart.render(curves(r, cross, s -> depthCurve(s.rowMaxima())), chance));
            Drawing.writePng(images.resolve("argmax-depth.png"),
                    ArgmaxDepthChart.render(curves(r, cross, s -> depthCurve(s.rowArgmaxDepth()))));
            Drawing.writePng(images.resolve("on-off.png"), OnOffChart.render(curves(r, cross,
                    s -> new double[][] {{s.offDiagonalMean()}, {s.onDiagonalMean()}}), chance));
        }
        double maxOffset = r.models().stream().mapToInt(m -> m.layers().size() - 1).max().orElse(1);
        Drawing.writePng(images.resolve("decay.png"), DecayChart.render(decayCurves(r), maxOffset, chance));
        AtomicFile.writeString(r.out().resolve(HTML), html(r, cross, mapPairs, depthMap));
    }

    // ---- chart inputs ----

    /** Each pair's matrix in both orientations, cell (a, b) with model a's layers as rows. */
    private static double[][][][] gridCells(StudyResult r) {
        int models = r.models().size();
        double[][][][] cells = new double[models][models][][];
        for (Pair p : r.pairs()) {
            double[][] m = p.comparison().matrix();
            cells[p.i()][p.j()] = m;
            cells[p.j()][p.i()] = SimilarityStats.transpose(m);
        }
        return cells;
    }

    /** The cross-model matrices in both orientations, binned by proportional depth (at most 20 bins). */
    private static double[][] depthMap(StudyResult r, List<Pair> pairs) {
        int maxLayers = r.models().stream().mapToInt(m -> m.layers().size()).max().orElse(2);
        ProportionalDepthMap map = new ProportionalDepthMap(Math.clamp(maxLayers, 2, 20));
        for (Pair p : pairs) map.addBothOrientations(p.comparison().matrix());
        return map.mean();
    }

    /** One curve per pair, labelled "A → B"; {@code xy} gives its x and y. */
    private static List<Curve> curves(StudyResult r, List<Pair> pairs, Function<Summary, double[][]> xy) {
        return pairs.stream().map(p -> {
            double[][] d = xy.apply(p.comparison().summary());
            return new Curve(p.comparison().nameA() + " → " + p.comparison().nameB(), d[0], d[1],
                    r.involvesControl(p));
        }).toList();
    }

    private static double[][] depthCurve(List<SimilarityStats.DepthPoint> points) {
        return new double[][] {points.stream().mapToDouble(SimilarityStats.DepthPoint::depth).toArray(),
                points.stream().mapToDouble(SimilarityStats.DepthPoint::value).toArray()};
    }

    /** Each model's mean M by layer offset, from offset 1. */
    private static List<Curve> decayCurves(StudyResult r) {
        List<Curve> curves = new ArrayList<>();
        for (Pair p : r.pairs()) {
            if (!p.withinModel()) continue;
            List<SimilarityStats.DecayPoint> decay = p.comparison().summary().decay().stream()
                    .filter(d -> d.offset() > 0).toList();
            double[] x = decay.stream().mapToDouble(SimilarityStats.DecayPoint::offset).toArray();
            double[] y = decay.stream().mapToDouble(SimilarityStats.DecayPoint::mean).toArray();
            curves.add(new Curve(p.comparison().nameA(), x, y, false));
        }
        return curves;
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
