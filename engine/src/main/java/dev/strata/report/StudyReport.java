package dev.strata.report;

import dev.strata.chart.ArgmaxDepthChart;
import dev.strata.chart.BagOfTokensChart;
import dev.strata.chart.BootstrapChart;
import dev.strata.chart.ControlsChart;
import dev.strata.chart.CrossDecayChart;
import dev.strata.chart.Curve;
import dev.strata.chart.DecayChart;
import dev.strata.chart.DepthMapChart;
import dev.strata.chart.Drawing;
import dev.strata.chart.GridChart;
import dev.strata.chart.KSensitivityChart;
import dev.strata.chart.OnOffChart;
import dev.strata.chart.RowMaximaChart;
import dev.strata.compare.KSensitivity;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.ProportionalDepthMap;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import dev.strata.io.AtomicFile;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.StudyResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * {@code report.html}: the study as one offline page. Charts are PNGs drawn with Java2D into {@code report/} beside it
 * (the per-pair heat maps are the pairs' own heatmap.png); the page is {@link ReportPage}'s template, with inline CSS,
 * no scripts, no external URLs.
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
            Drawing.writePng(images.resolve("k-sensitivity.png"),
                    KSensitivityChart.render(kCurves(r, cross), r.sensitivity().kMax()));
            Drawing.writePng(images.resolve("bootstrap.png"), BootstrapChart.render(bootstrapEstimates(r, cross)));
            Drawing.writePng(images.resolve("decay-across.png"), CrossDecayChart.render(crossDecayCurves(r, cross), chance));
        }
        List<Curve> controls = controlCurves(r);
        if (!controls.isEmpty()) {
            Drawing.writePng(images.resolve("controls.png"), ControlsChart.render(controls, chance));
        }
        List<Curve> bagOfTokens = bagOfTokensCurves(r);
        if (!bagOfTokens.isEmpty()) {
            Drawing.writePng(images.resolve("bag-of-tokens.png"), BagOfTokensChart.render(bagOfTokens, chance));
        }
        double maxOffset = r.models().stream().mapToInt(m -> m.layers().size() - 1).max().orElse(1);
        Drawing.writePng(images.resolve("decay.png"), DecayChart.render(decayCurves(r), maxOffset, chance));
        AtomicFile.writeString(r.out().resolve(HTML), ReportPage.render(r, cross, mapPairs, depthMap));
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

    /** Each cross pair's on − off at every k of the k sensitivity. */
    private static List<Curve> kCurves(StudyResult r, List<Pair> pairs) {
        return pairs.stream().map(p -> {
            List<KSensitivity.Point> byK = r.sensitivity().pairs().get(r.pairs().indexOf(p)).byK();
            return new Curve(p.comparison().nameA() + " → " + p.comparison().nameB(),
                    byK.stream().mapToDouble(KSensitivity.Point::k).toArray(),
                    byK.stream().mapToDouble(k -> k.means().difference()).toArray(), r.involvesControl(p));
        }).toList();
    }

    /** Each cross pair's on − off and its bootstrap interval. */
    private static List<BootstrapChart.Estimate> bootstrapEstimates(StudyResult r, List<Pair> pairs) {
        return pairs.stream().map(p -> {
            PromptBootstrap.Interval interval = r.sensitivity().pairs().get(r.pairs().indexOf(p)).bootstrap().difference();
            Summary s = p.comparison().summary();
            return new BootstrapChart.Estimate(p.comparison().nameA() + " → " + p.comparison().nameB(),
                    s.onDiagonalMean() - s.offDiagonalMean(), interval.low(), interval.high(), r.involvesControl(p));
        }).toList();
    }

    /** Each trained pair's on-diagonal mean on the corpus and under each control that was run, in the chart's columns. */
    private static List<Curve> controlCurves(StudyResult r) {
        List<Curve> curves = new ArrayList<>();
        for (ControlsTable.Numbers n : ControlsTable.numbers(r)) {
            double[] values = {n.corpus().on(), n.randomStrings() == null ? Double.NaN : n.randomStrings().on(),
                    n.untrained() == null ? Double.NaN : n.untrained().on(), (n.bagOfTokensA() + n.bagOfTokensB()) / 2};
            double[] x = IntStream.range(0, values.length).filter(c -> Double.isFinite(values[c])).asDoubleStream()
                    .toArray();
            double[] y = Arrays.stream(x).map(c -> values[(int) c]).toArray();
            curves.add(new Curve(n.a() + " → " + n.b(), x, y, false));
        }
        return curves;
    }

    /** Each model's M with the bag of tokens of its own tokenizer (its source's, for a control), by proportional depth. */
    private static List<Curve> bagOfTokensCurves(StudyResult r) {
        List<Curve> curves = new ArrayList<>();
        for (BagOfTokensRow row : r.bagOfTokens()) {
            if (!r.ownTokenizer(row)) continue;
            ModelResult model = r.models().get(row.model());
            int layers = row.m().size();
            double[] x = new double[layers];
            for (int l = 0; l < layers; l++) x[l] = layers == 1 ? 0 : (double) l / (layers - 1);
            curves.add(new Curve(model.model().name(), x, row.m().stream().mapToDouble(Double::doubleValue).toArray(),
                    model.model().isControl()));
        }
        return curves;
    }

    /** Each cross pair's mean M by distance from each row's best column, that distance as a share of B's depth. */
    private static List<Curve> crossDecayCurves(StudyResult r, List<Pair> pairs) {
        return pairs.stream().map(p -> {
            List<SimilarityStats.DecayPoint> decay = p.comparison().summary().decay();
            double span = Math.max(1, p.comparison().columnLabels().size() - 1);
            return new Curve(p.comparison().nameA() + " → " + p.comparison().nameB(),
                    decay.stream().mapToDouble(d -> d.offset() / span).toArray(),
                    decay.stream().mapToDouble(SimilarityStats.DecayPoint::mean).toArray(), r.involvesControl(p));
        }).toList();
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
}
