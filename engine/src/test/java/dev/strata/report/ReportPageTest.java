package dev.strata.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.compare.Calibration;
import dev.strata.compare.Comparison;
import dev.strata.compare.KSensitivity;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.SimilarityMetric;
import dev.strata.compare.SimilarityStats.DiagonalMeans;
import dev.strata.compare.Summary;
import dev.strata.gguf.ModelFamily;
import dev.strata.knn.LayerView;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.Model;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Sensitivity;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The page on a hand-made study: every value from the study is escaped, the markup of the template is not. */
class ReportPageTest {
    static final String ODD_NAME = "x<b>&\"y'";

    static StudyResult study() {
        return study(null);
    }

    /** The hand-made study; {@code randomStrings}: its random-strings control, or null. */
    static StudyResult study(StudyResult randomStrings) {
        Path out = Path.of("/study");
        Model odd = new Model(ODD_NAME, "x_b_y", Path.of("/models/odd.gguf"), null);
        Model plain = new Model("plain", "plain", Path.of("/models/plain.gguf"), null);
        List<String> layers = List.of("layers.1", "layers.2", "layers.3");
        ActivationsMetadata metadata = new ActivationsMetadata("m.gguf", "ab12", "llama", 3, 16, "c", "cd34", 20, 32,
                "prompts.jsonl", "v0.5.0", "haswell", "AVX2", "test", Pooling.LAST, null, null, null);
        List<ModelResult> models = List.of(
                new ModelResult(odd, out.resolve("models/x_b_y"), null, null, layers, metadata, true, 0, true, 0,
                        new ModelFamily("odd", "1M")),
                new ModelResult(plain, out.resolve("models/plain"), null, null, layers, metadata, true, 0, true, 0,
                        new ModelFamily("plain", "2M")));
        double[][] m = {{0.5, 0.2, 0.1}, {0.2, 0.5, 0.2}, {0.1, 0.2, 0.5}};
        List<Pair> pairs = List.of(pair(out, 0, 0, ODD_NAME, ODD_NAME, m), pair(out, 0, 1, ODD_NAME, "plain", m),
                pair(out, 1, 1, "plain", "plain", m));
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("extract: " + ODD_NAME, 0.0);
        seconds.put("compare: 3 pairs", 1.25);
        Settings settings = new Settings(Pooling.LAST, 3, LayerView.Kind.HF, 32, "none", 20, 7, "1.0<dev>", "v0.5.0", false);
        List<SkippedModel> skipped = List.of(new SkippedModel(new Model("broken", "broken", Path.of("/b.gguf"), null),
                "killed by <signal> & more"));
        List<BagOfTokensRow> bagOfTokens = List.of(new BagOfTokensRow(0, 0, List.of(0.3, 0.2, 0.1)),
                new BagOfTokensRow(0, 1, List.of(0.9, 0.9, 0.9)), new BagOfTokensRow(1, 0, List.of(0.8, 0.8, 0.8)),
                new BagOfTokensRow(1, 1, List.of(0.12, 0.35, 0.2)));
        return new StudyResult(out, "corpus \"q\"", "ef56", 20, settings, models, skipped, pairs, sensitivity(),
                bagOfTokens, randomStrings, seconds, out.resolve("study.json"), out.resolve("report.html"));
    }

    /** Made-up numbers for three pairs: k = 1 and 10 from a k_max of 19, subsets of 10 and 20 prompts. */
    static Sensitivity sensitivity() {
        List<Sensitivity.ForPair> pairs = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            double on = 0.5 + 0.1 * p;
            List<KSensitivity.Point> byK = List.of(new KSensitivity.Point(1, new DiagonalMeans(on - 0.2, 0.1)),
                    new KSensitivity.Point(10, new DiagonalMeans(on, 0.2)));
            PromptBootstrap.Intervals intervals = new PromptBootstrap.Intervals(new PromptBootstrap.Interval(on - 0.05,
                    on + 0.05), new PromptBootstrap.Interval(0.15, 0.25), new PromptBootstrap.Interval(on - 0.3, on - 0.1));
            List<Sensitivity.SizePoint> bySize = List.of(new Sensitivity.SizePoint(10, new DiagonalMeans(on - 0.1, 0.3)),
                    new Sensitivity.SizePoint(20, new DiagonalMeans(on, 0.2)));
            pairs.add(new Sensitivity.ForPair(byK, intervals, bySize));
        }
        return new Sensitivity(19, List.of(1, 10), 20, 7, List.of(10, 20), pairs);
    }

    static Pair pair(Path out, int i, int j, String a, String b, double[][] m) {
        List<String> labels = List.of("L1", "L2", "L3");
        Comparison c = Comparison.of(m, a, b, labels, labels, 1,
                new Summary.Options(SimilarityMetric.MKNN, 3, 20, i == j, 20, 7));
        return new Pair(i, j, out.resolve("pairs/" + i + "__" + j), c);
    }

    static String render() {
        StudyResult r = study();
        List<Pair> cross = r.pairs().stream().filter(p -> !p.withinModel()).toList();
        return ReportPage.render(r, cross, cross, true);
    }

    @Test
    void escapesEveryValueWithTheFourCharactersAndLeavesTheApostrophe() {
        String html = render();
        assertFalse(html.contains(ODD_NAME), "the raw name never reaches the page");
        assertTrue(html.contains("<td>x&lt;b&gt;&amp;&quot;y'</td>"), "the name in the tables, escaped");
        assertTrue(html.contains("alt=\"Heat map: x&lt;b&gt;&amp;&quot;y' against itself\""), "and in attributes");
        assertTrue(html.contains("<td>killed by &lt;signal&gt; &amp; more</td>"), "the skipped model's reason");
        assertTrue(html.contains("corpus &quot;q&quot; (n = 20 prompts)"));
        assertTrue(html.contains("<tr><th>strata</th><td>1.0&lt;dev&gt;</td></tr>"));
    }

    @Test
    void showsEachModelAgainstTheBagOfTokensOfItsOwnTokenizer() {
        String html = render();
        assertTrue(html.contains("<tr><td>plain</td><td>plain</td><td class=\"num\">0.120</td><td class=\"num\">0.350</td>"
                + "<td class=\"num\">0.50</td><td class=\"num\">0.200</td><td class=\"num\">0.223</td></tr>"), html);
        assertFalse(html.contains("0.900"), "another model's tokenizer is in study.json only");
    }

    @Test
    void setsEveryControlBesideThePairsResult() {
        String controls = "<td class=\"num\">0.500 / 0.167</td>";
        String withoutControls = render();
        assertTrue(withoutControls.contains(controls + "<td class=\"num\">—</td><td class=\"num\">—</td>"
                + "<td class=\"num\">0.200 / 0.223</td></tr>"), "the bag of tokens of each model; the rest not run");
        StudyResult r = study(study());
        List<Pair> cross = r.pairs().stream().filter(p -> !p.withinModel()).toList();
        String html = ReportPage.render(r, cross, cross, true);
        assertTrue(html.contains(controls + controls + "<td class=\"num\">—</td>"), "the same pair on random strings");
        assertTrue(html.contains("<a href=\"report.html\">its own report</a>"));
        assertTrue(html.contains("How sure: the 95% bootstrap interval of on − off lies above 0 for 1 of 1 trained pair"
                + " (lowest lower end 0.300), so another draw of prompts would very likely show the band again."), html);
        assertTrue(html.contains("Counting tokens alone (TF-IDF bag of tokens) reaches M = 0.350 with a model's layers"
                + " at best, against an on-diagonal mean of 0.500 between models"), "each model's own tokenizer only");
        assertTrue(html.contains("On random strings the same pairs average 0.500 on the diagonal against 0.167 off it"));
    }

    @Test
    void showsTheIntervalsAndTheKAndNTables() {
        String html = render();
        assertTrue(html.contains("<td class=\"num\">0.550 – 0.650</td><td class=\"num\">0.150 – 0.250</td>"
                + "<td class=\"num\">0.300 – 0.500</td>"), "the cross pair's intervals");
        assertTrue(html.contains("<th>k = 1</th><th>k = 10</th>"), "a column per k");
        assertTrue(html.contains("<td class=\"num\">0.400 / 0.100</td><td class=\"num\">0.600 / 0.200</td>"), html);
        assertTrue(html.contains("<th>n = 10</th><th>n = 20</th>"), "a column per subsample size");
        assertTrue(html.contains("<td class=\"num\">0.200</td><td class=\"num\">0.400</td>"), "on − off per size");
        assertTrue(html.contains("one k-NN pass at k = 19"));
    }

    @Test
    void showsRawAndCalibratedSideBySideOnlyForCalibratedPairs() {
        assertFalse(render().contains("Calibrated against shuffled prompts"), "no calibration, no section");
        StudyResult r = study();
        Pair cross = r.pairs().get(1);
        Comparison c = cross.comparison();
        double[][] calibrated = {{0.4, 0.1, 0.0}, {0.1, 0.4, 0.1}, {0.0, 0.1, 0.4}};
        double[][] p = {{0.005, 0.3, 0.6}, {0.3, 0.005, 0.3}, {0.6, 0.3, 0.005}};
        Calibration calibration = new Calibration(200, 7, calibrated, p, p, p,
                new Calibration.Score(0.5, 0.15, 0.01, 0.17, 0.397, 0.005),
                new Calibration.Score(0.15, 0.15, 0.01, 0.17, 0.0, 0.52),
                new Calibration.Score(0.5, 0.2, 0.01, 0.22, 0.359, 0.005));
        List<Pair> pairs = new ArrayList<>(r.pairs());
        pairs.set(1, new Pair(cross.i(), cross.j(), cross.dir(), new Comparison(c.matrix(), c.nameA(), c.nameB(),
                c.rowLabels(), c.columnLabels(), c.firstLayerNumber(), c.summary(), calibration)));
        StudyResult withCalibration = new StudyResult(r.out(), r.corpusName(), r.corpusSha256(), r.n(), r.settings(),
                r.models(), r.skipped(), pairs, r.sensitivity(), r.bagOfTokens(), r.randomStrings(), r.stageSeconds(),
                r.studyJson(), r.report());
        List<Pair> crossPairs = List.of(pairs.get(1));
        String html = ReportPage.render(withCalibration, crossPairs, crossPairs, true);
        assertTrue(html.contains("<h2>Calibrated against shuffled prompts</h2>"));
        assertTrue(html.contains("<td class=\"num\">0.500</td><td class=\"num\">0.397</td><td class=\"num\">0.005</td>"
                + "<td class=\"num\">0.150</td><td class=\"num\">0.000</td><td class=\"num\">0.520</td>"
                + "<td class=\"num\">0.1500</td><td class=\"num\">0.400 / 0.067</td><td class=\"num\">3 of 9</td>"), html);
        assertTrue(html.contains("under 200 shuffles of the prompt correspondence"));
        assertTrue(html.contains("Calibrated against 200 shuffles of the prompt correspondence, the on-diagonal mean "
                + "stays above its null for 1 of 1 model pair"), "the reading's sentence");
    }

    @Test
    void keepsTheTemplatesOwnMarkup() {
        String html = render();
        assertTrue(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"), html);
        assertTrue(html.endsWith("</main></body></html>\n"));
        assertTrue(html.contains("<th>on &gt; off</th>"), "escaped text written in the template stays as written");
        assertTrue(html.contains("embeddings (h<sub>0</sub>) left out"));
        assertTrue(html.contains("<tr><td>extract: x&lt;b&gt;&amp;&quot;y'</td><td class=\"num\">reused</td></tr>"));
        assertTrue(html.contains("<tr><td>compare: 3 pairs</td><td class=\"num\">1.25</td></tr>"));
        assertEquals(1, html.split("<h2>Models skipped</h2>", -1).length - 1);
        assertFalse(html.contains("{{") || html.contains("}}"), "no tag left unrendered");
    }
}
