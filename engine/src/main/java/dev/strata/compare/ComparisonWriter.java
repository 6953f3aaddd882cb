package dev.strata.compare;

import static dev.strata.io.JsonNumbers.finiteOrNull;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.chart.Heatmap;
import dev.strata.io.AtomicFile;
import dev.strata.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a comparison into a directory: similarity.npy (float64 [rows, cols]), similarity.csv
 * (labelled), summary.json and heatmap.png. Every file is written atomically. NaN (undefined
 * statistics) is written as JSON null and as an empty CSV field.
 */
public final class ComparisonWriter {
    public static final String MATRIX_NPY = "similarity.npy";
    public static final String MATRIX_CSV = "similarity.csv";
    public static final String SUMMARY_JSON = "summary.json";
    public static final String HEATMAP_PNG = "heatmap.png";
    /** The calibrated matrix (float64 [rows, cols]), written when the comparison was calibrated. */
    public static final String CALIBRATED_NPY = "calibrated.npy";
    /** Each cell's p-value corrected for all cells (float64 [rows, cols]), written with {@link #CALIBRATED_NPY}. */
    public static final String P_FAMILYWISE_NPY = "p-familywise.npy";

    private ComparisonWriter() {}

    public static void write(Path dir, Comparison c) throws IOException {
        Files.createDirectories(dir);
        writeMatrix(dir.resolve(MATRIX_NPY), c.matrix());
        if (c.calibration() != null) {
            writeMatrix(dir.resolve(CALIBRATED_NPY), c.calibration().calibrated());
            writeMatrix(dir.resolve(P_FAMILYWISE_NPY), c.calibration().pFamilywise());
        }
        AtomicFile.writeString(dir.resolve(MATRIX_CSV), csv(c));
        AtomicFile.writeString(dir.resolve(SUMMARY_JSON),
                JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT, JSON.Feature.WRITE_NULL_PROPERTIES)
                        .asString(summaryJson(c)) + "\n");
        Heatmap.writePng(dir.resolve(HEATMAP_PNG), heatmapSpec(c));
    }

    private static void writeMatrix(Path file, double[][] m) throws IOException {
        int rows = m.length;
        int cols = m[0].length;
        double[] flat = new double[rows * cols];
        for (int i = 0; i < rows; i++) System.arraycopy(m[i], 0, flat, i * cols, cols);
        Npy.writeFloat64(file, flat, rows, cols);
    }

    /** Header row: the corner cell "A \ B" (rows \ columns), then B's layer labels; each row starts with A's label. */
    static String csv(Comparison c) {
        StringBuilder out = new StringBuilder();
        out.append(csvField(c.nameA() + " \\ " + c.nameB()));
        for (String label : c.columnLabels()) out.append(',').append(csvField(label));
        out.append('\n');
        for (int i = 0; i < c.matrix().length; i++) {
            out.append(csvField(c.rowLabels().get(i)));
            for (double v : c.matrix()[i]) out.append(',').append(Double.isNaN(v) ? "" : Double.toString(v));
            out.append('\n');
        }
        return out.toString();
    }

    private static String csvField(String text) {
        boolean quote = text.contains(",") || text.contains("\"") || text.contains("\n");
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    static Map<String, Object> summaryJson(Comparison c) {
        Summary s = c.summary();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("metric", s.metric().cliName());
        json.put("model_a", c.nameA());
        json.put("model_b", c.nameB());
        json.put("within_model", s.withinModel());
        json.put("k", s.k());
        json.put("n", s.n());
        json.put("chance", finiteOrNull(s.chance()));
        json.put("shape", List.of(c.matrix().length, c.matrix()[0].length));
        json.put("embeddings_dropped", c.firstLayerNumber() == 1);
        json.put("row_labels", c.rowLabels());
        json.put("column_labels", c.columnLabels());
        json.put("diagonal", "generalized: rows = the shallower model, (i, j) on iff 0 <= j - i <= n - m; "
                + "a square matrix has only its main diagonal");
        json.put("on_diagonal_mean", finiteOrNull(s.onDiagonalMean()));
        json.put("off_diagonal_mean", finiteOrNull(s.offDiagonalMean()));
        json.put("on_minus_off", finiteOrNull(s.onDiagonalMean() - s.offDiagonalMean()));
        json.put("argmax_rows", argmax(s.rowArgmax(), s.rowArgmaxSpearman(), c.columnLabels()));
        json.put("argmax_columns", argmax(s.columnArgmax(), s.columnArgmaxSpearman(), c.rowLabels()));
        Map<String, Object> permutation = new LinkedHashMap<>();
        permutation.put("statistic", "on_diagonal_mean - off_diagonal_mean");
        permutation.put("shuffle", "all B x B blocks permuted freely; near-equal contiguous cuts, floor(b * size / B); "
                + "blocks moved into a differently sized slot are resized by nearest index");
        permutation.put("p_value", "(1 + #{shuffled >= observed}) / (1 + resamples)");
        permutation.put("tests", s.permutationTests().stream().map(t -> {
            Map<String, Object> test = new LinkedHashMap<>();
            test.put("blocks", t.blocks());
            test.put("resamples", t.resamples());
            test.put("seed", t.seed());
            test.put("observed", finiteOrNull(t.observed()));
            test.put("p", finiteOrNull(t.pValue()));
            return test;
        }).toList());
        json.put("permutation_test", permutation);
        json.put("row_maxima", depthPoints(s.rowMaxima(), "max"));
        json.put("column_maxima", depthPoints(s.columnMaxima(), "max"));
        json.put("row_argmax_depth", depthPoints(s.rowArgmaxDepth(), "argmax_depth"));
        json.put("column_argmax_depth", depthPoints(s.columnArgmaxDepth(), "argmax_depth"));
        Map<String, Object> decay = new LinkedHashMap<>();
        decay.put("offset", s.withinModel() ? "layer offset |i - j|" : "distance from the row's argmax |j - argmax(i)|");
        decay.put("points", s.decay().stream().map(p -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("offset", p.offset());
            point.put("mean", finiteOrNull(p.mean()));
            point.put("cells", p.cells());
            return point;
        }).toList());
        json.put("decay", decay);
        if (c.calibration() != null) json.put("calibration", calibrationJson(c.calibration()));
        return json;
    }

    /** The calibration block of summary.json: how it was made, the calibrated aggregates and the corrected cells. */
    static Map<String, Object> calibrationJson(Calibration calibration) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("null", "the prompt correspondence shuffled: A's prompt t paired with B's prompt pi(t), one pi for all "
                + "cells; B's neighbour lists relabelled, or for cka B's centred Gram permuted in rows and columns");
        json.put("permutations", calibration.permutations());
        json.put("seed", calibration.seed());
        json.put("alpha", Calibration.ALPHA);
        json.put("tau", "the ceil((1 - alpha)(K + 1))-th smallest of the raw score and its K null scores");
        json.put("calibrated", "(raw - tau) / (1 - tau), clipped to [0, 1]");
        json.put("p_value", "(1 + #{null >= raw}) / (1 + K)");
        json.put("correction", "family-wise over all cells: single-step max-T on scores studentised by each cell's "
                + "raw and null values");
        json.putAll(calibrationScores(calibration));
        double[] range = calibration.nullMeanRange();
        json.put("cell_null_mean_range", Arrays.asList(finiteOrNull(range[0]), finiteOrNull(range[1])));
        json.put("calibrated_matrix", CALIBRATED_NPY);
        json.put("p_familywise_matrix", P_FAMILYWISE_NPY);
        return json;
    }

    /** A calibration's scores, calibrated means and cell counts: in summary.json and, per pair, in study.json. */
    public static Map<String, Object> calibrationScores(Calibration calibration) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("on_diagonal_mean", scoreJson(calibration.onDiagonal()));
        json.put("off_diagonal_mean", scoreJson(calibration.offDiagonal()));
        json.put("max", scoreJson(calibration.maximum()));
        SimilarityStats.DiagonalMeans calibratedMeans = calibration.calibratedMeans();
        json.put("calibrated_on_diagonal_mean", finiteOrNull(calibratedMeans.on()));
        json.put("calibrated_off_diagonal_mean", finiteOrNull(calibratedMeans.off()));
        json.put("cells", calibration.cells());
        json.put("cells_significant", calibration.significantCells());
        return json;
    }

    private static Map<String, Object> scoreJson(Calibration.Score score) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("raw", finiteOrNull(score.raw()));
        json.put("null_mean", finiteOrNull(score.nullMean()));
        json.put("null_sd", finiteOrNull(score.nullSd()));
        json.put("tau", finiteOrNull(score.threshold()));
        json.put("calibrated", finiteOrNull(score.calibrated()));
        json.put("p", finiteOrNull(score.p()));
        return json;
    }

    private static Map<String, Object> argmax(int[] path, double spearman, List<String> targetLabels) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("path", IntStream.of(path).boxed().toList());
        json.put("path_labels", IntStream.of(path).mapToObj(targetLabels::get).toList());
        json.put("spearman", finiteOrNull(spearman));
        return json;
    }

    private static List<Map<String, Object>> depthPoints(List<SimilarityStats.DepthPoint> points, String valueName) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (SimilarityStats.DepthPoint p : points) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("depth", finiteOrNull(p.depth()));
            point.put(valueName, finiteOrNull(p.value()));
            json.add(point);
        }
        return json;
    }

    /** The heat map of a comparison: title names the metric and models, subtitle the diagonal means and chance. */
    public static Heatmap.Spec heatmapSpec(Comparison c) {
        Summary s = c.summary();
        String metricName = switch (s.metric()) {
            case MKNN -> "mutual k-NN (k = " + s.k() + ")";
            case JACCARD -> "Jaccard of k-NN sets (k = " + s.k() + ")";
            case CKA -> "linear CKA";
        };
        String title = metricName + ": " + c.nameA() + " vs " + c.nameB();
        StringBuilder subtitle = new StringBuilder(String.format(Locale.ROOT,
                "on-diagonal (outlined) mean %.3f, off-diagonal mean %.3f", s.onDiagonalMean(), s.offDiagonalMean()));
        if (!Double.isNaN(s.chance())) {
            subtitle.append(String.format(Locale.ROOT, "; chance k/(n-1) = %.4f (n = %d)", s.chance(), s.n()));
        }
        int[] rowNumbers = IntStream.range(0, c.matrix().length).map(i -> i + c.firstLayerNumber()).toArray();
        int[] columnNumbers = IntStream.range(0, c.matrix()[0].length).map(j -> j + c.firstLayerNumber()).toArray();
        boolean[][] diagonal = SimilarityStats.generalizedDiagonal(c.matrix().length, c.matrix()[0].length);
        return new Heatmap.Spec(c.matrix(), diagonal, rowNumbers, columnNumbers, c.nameA(), c.nameB(), title,
                subtitle.toString(), s.chance(), Double.NaN, Double.NaN);
    }
}
