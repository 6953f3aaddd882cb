package dev.strata.report;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import dev.strata.compare.Calibration;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.Summary;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Reading;
import dev.strata.results.Sensitivity;
import dev.strata.results.Settings;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The page of {@code report.html}: the markup is the template resource {@code report.html.mustache}; this class turns
 * a study's result into the values it shows, formatted, and renders them. Every value is HTML-escaped on the way in.
 */
final class ReportPage {
    /** The characters that must not reach the page raw; the apostrophe is left alone, as it may in text and "..." attributes. */
    private static final Mustache.Escaper HTML = Escapers.simple(new String[][] {
        {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"},
    });
    private static final Template TEMPLATE = Mustache.compiler().withEscaper(HTML).compile(resource("report.html.mustache"));

    /** The values the template shows. */
    record Values(String modelNames, int modelCount, String corpusName, String corpusSha256, int n, int k,
                  String pooling, String view, String viewMeaning, String chance, int maxTokens, String chatTemplate,
                  int resamples,
                  long seed, String version, String llamaCpp, boolean hasSkipped, List<SkippedRow> skipped,
                  List<String> reading, boolean hasCrossPairs,
                  List<PairRow> pairRows, int kMax, int bootstrapResamples, List<String> sensitivityKs,
                  List<String> sensitivitySizes, List<SensitivityRow> sensitivityRows, boolean hasCalibration,
                  int calibrationPermutations, List<CalibrationRow> calibrationRows, boolean hasDepthMap, boolean depthMapTrainedOnly,
                  List<Heatmap> crossHeatmaps, List<Heatmap> withinHeatmaps, List<ModelRow> models,
                  List<Timing> timings, boolean hasBagOfTokens, List<BagOfTokensLine> bagOfTokens,
                  boolean hasControls, List<ControlsTable.Row> controls, boolean hasRandomStrings,
                  String randomStringsReport, boolean hasUntrained) {}

    /** One model's M with the bag of tokens of its tokenizer: at its first and last compared layer, best, and mean. */
    record BagOfTokensLine(String model, String tokenizer, String first, String best, String bestDepth, String last,
                           String mean) {}

    /** A model the study left out, and why. */
    record SkippedRow(String name, String file, String reason) {}

    /** One row of the model-pairs table; numbers already formatted ("—" where undefined). */
    record PairRow(boolean firstWithControl, String a, String b, String families, int rows, int columns, String onDiagonal,
                   String offDiagonal, String onAboveOff, String spearmanRows, String spearmanColumns, String p5,
                   String p10, String dir) {}

    /** One pair's bootstrap intervals, "on / off" at each k, and on − off at each subsample size, formatted. */
    record SensitivityRow(String a, String b, String onInterval, String offInterval, String differenceInterval,
                          List<String> byK, List<String> bySize) {}

    /** One pair's raw and calibrated diagonal means, formatted. */
    record CalibrationRow(String a, String b, String onRaw, String onCalibrated, String onP, String offRaw,
                          String offCalibrated, String offP, String onNullMean, String calibratedMeans,
                          String significantCells) {}

    record Heatmap(String src, String caption) {}

    record ModelRow(String name, String file, boolean control, String controlOf, String architecture, String blocks,
                    String width, int layers, String sha256) {}

    record Timing(String stage, String seconds) {}

    private ReportPage() {}

    static String render(StudyResult r, List<Pair> cross, List<Pair> mapPairs, boolean depthMap) {
        return TEMPLATE.execute(values(r, cross, mapPairs, depthMap));
    }

    static Values values(StudyResult r, List<Pair> cross, List<Pair> mapPairs, boolean depthMap) {
        Settings o = r.settings();
        List<String> names = r.models().stream().map(m -> m.model().name()).toList();
        List<PairRow> rows = new ArrayList<>();
        boolean controlSeen = false;
        // Pairs of one family (sizes of one model line) first: the paper finds they agree most.
        List<Pair> grouped = new ArrayList<>(cross);
        grouped.sort(Comparator.comparing((Pair p) -> r.involvesControl(p)).thenComparing(p -> !r.sameFamily(p)));
        for (Pair p : grouped) {
            boolean first = r.involvesControl(p) && !controlSeen;
            controlSeen |= first;
            rows.add(pairRow(r, p, first));
        }
        List<Pair> calibrated = cross.stream().filter(p -> p.comparison().calibration() != null).toList();
        String viewMeaning = o.view().toString().equals("hf")
                ? "Hugging Face hidden states: embeddings, residual after blocks 1..L−1, final norm"
                : "residual after every block, then the final norm";
        List<BagOfTokensLine> bagOfTokens = bagOfTokens(r);
        List<ControlsTable.Row> controls = ControlsTable.rows(r);
        return new Values(String.join(", ", names), names.size(), r.corpusName(), r.corpusSha256(), r.n(), o.k(),
                o.pooling().label(), o.view().toString(), viewMeaning, Reading.fmt4(r.chance()), o.maxTokens(),
                o.chatTemplate() ? "each prompt as one user turn of its model's own chat template, the start of the reply"
                        + " added (llama.cpp's rendering of the template; docs/chat-template.md)"
                        : "none: each prompt as it is", o.resamples(), o.seed(), o.version(), o.llamaCpp(), !r.skipped().isEmpty(), r.skipped().stream()
                        .map(m -> new SkippedRow(m.model().name(), m.model().file().toString(), m.reason())).toList(),
                r.reading(), !cross.isEmpty(), rows, r.sensitivity().kMax(), r.sensitivity().resamples(),
                r.sensitivity().ks().stream().map(k -> "k = " + k).toList(),
                r.sensitivity().sizes().stream().map(n -> "n = " + n).toList(),
                cross.stream().map(p -> sensitivityRow(r, p)).toList(), !calibrated.isEmpty(),
                calibrated.isEmpty() ? 0 : calibrated.getFirst().comparison().calibration().permutations(),
                calibrated.stream().map(ReportPage::calibrationRow).toList(), depthMap,
                mapPairs.size() < cross.size(), cross.stream().map(p -> heatmap(r, p)).toList(),
                r.pairs().stream().filter(Pair::withinModel).map(p -> heatmap(r, p)).toList(),
                r.models().stream().map(m -> modelRow(r, m)).toList(), timings(r), !bagOfTokens.isEmpty(),
                bagOfTokens, !controls.isEmpty(), controls, r.randomStrings() != null,
                r.randomStrings() == null ? "" : r.relative(r.randomStrings().report()), ControlsTable.hasUntrained(r));
    }

    /** The rows of each model with its own tokenizer (its source's, for a control), in the study's model order. */
    private static List<BagOfTokensLine> bagOfTokens(StudyResult r) {
        List<BagOfTokensLine> lines = new ArrayList<>();
        for (BagOfTokensRow row : r.bagOfTokens()) {
            if (!r.ownTokenizer(row)) continue;
            List<Double> m = row.m();
            int best = 0;
            for (int l = 1; l < m.size(); l++) if (m.get(l) > m.get(best)) best = l;
            double mean = m.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            lines.add(new BagOfTokensLine(r.models().get(row.model()).model().name(),
                    r.models().get(row.tokenizer()).model().name(), number(m.getFirst(), 3), number(m.get(best), 3),
                    number(m.size() == 1 ? 0 : (double) best / (m.size() - 1), 2), number(m.getLast(), 3),
                    number(mean, 3)));
        }
        return lines;
    }

    private static PairRow pairRow(StudyResult r, Pair p, boolean firstWithControl) {
        Summary s = p.comparison().summary();
        double[][] m = p.comparison().matrix();
        String familyA = r.models().get(p.i()).family().label();
        String familyB = r.models().get(p.j()).family().label();
        String families = r.sameFamily(p) ? "same family: " + familyA + " · " + r.models().get(p.j()).family().size()
                : familyA + " · " + familyB;
        return new PairRow(firstWithControl, p.comparison().nameA(), p.comparison().nameB(), families, m.length,
                m[0].length,
                number(s.onDiagonalMean(), 3), number(s.offDiagonalMean(), 3),
                s.onDiagonalMean() > s.offDiagonalMean() ? "yes" : "no", number(s.rowArgmaxSpearman(), 2),
                number(s.columnArgmaxSpearman(), 2), number(s.permutationP(5), 3), number(s.permutationP(10), 3),
                r.relative(p.dir()));
    }

    private static SensitivityRow sensitivityRow(StudyResult r, Pair p) {
        Sensitivity.ForPair s = r.sensitivity().pairs().get(r.pairs().indexOf(p));
        return new SensitivityRow(p.comparison().nameA(), p.comparison().nameB(), interval(s.bootstrap().on()),
                interval(s.bootstrap().off()), interval(s.bootstrap().difference()),
                s.byK().stream().map(k -> number(k.means().on(), 3) + " / " + number(k.means().off(), 3)).toList(),
                s.bySize().stream().map(n -> number(n.means().difference(), 3)).toList());
    }

    private static CalibrationRow calibrationRow(Pair p) {
        Calibration c = p.comparison().calibration();
        return new CalibrationRow(p.comparison().nameA(), p.comparison().nameB(), number(c.onDiagonal().raw(), 3),
                number(c.onDiagonal().calibrated(), 3), number(c.onDiagonal().p(), 3), number(c.offDiagonal().raw(), 3),
                number(c.offDiagonal().calibrated(), 3), number(c.offDiagonal().p(), 3),
                number(c.onDiagonal().nullMean(), 4),
                number(c.calibratedMeans().on(), 3) + " / " + number(c.calibratedMeans().off(), 3),
                c.significantCells() + " of " + c.cells());
    }

    private static String interval(PromptBootstrap.Interval interval) {
        return number(interval.low(), 3) + " – " + number(interval.high(), 3);
    }

    private static Heatmap heatmap(StudyResult r, Pair p) {
        Summary s = p.comparison().summary();
        String caption = p.withinModel()
                ? p.comparison().nameA() + " against itself"
                : p.comparison().nameA() + " (rows) against " + p.comparison().nameB() + " (columns): on-diagonal "
                        + Reading.fmt3(s.onDiagonalMean()) + ", off-diagonal " + Reading.fmt3(s.offDiagonalMean());
        return new Heatmap(r.relative(p.dir().resolve(ComparisonWriter.HEATMAP_PNG)), caption);
    }

    private static ModelRow modelRow(StudyResult r, ModelResult m) {
        ActivationsMetadata md = m.metadata();
        boolean control = m.model().isControl();
        return new ModelRow(m.model().name(), control ? r.relative(m.model().file()) : m.model().file().toString(),
                control, control ? m.model().controlOf() : "", Objects.toString(md.architecture(), "?"),
                Objects.toString(md.nLayer(), "?"), Objects.toString(md.nEmbd(), "?"), m.layers().size(),
                Objects.toString(md.modelSha256(), "?"));
    }

    /** Each stage's seconds; an extraction or k-NN that took no time was reused. */
    private static List<Timing> timings(StudyResult r) {
        List<Timing> timings = new ArrayList<>();
        for (var e : r.stageSeconds().entrySet()) {
            String stage = e.getKey();
            boolean reused = e.getValue() == 0 && (stage.startsWith("extract: ") || stage.startsWith("knn: "));
            timings.add(new Timing(stage, reused ? "reused" : number(e.getValue(), 2)));
        }
        return timings;
    }

    private static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "—";
    }

    private static String resource(String name) {
        try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
