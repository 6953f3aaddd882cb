package dev.strata.study;

import static dev.strata.io.JsonNumbers.finiteOrNull;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.compare.Calibration;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.KSensitivity;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import dev.strata.io.AtomicFile;
import dev.strata.io.JsonNumbers;
import dev.strata.report.StudyReport;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Sensitivity;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** {@code study.json}: the study's settings, models, every pair's key statistics and where its files are. */
final class StudyJson {
    static final String FORMAT = "strata-study/1";

    private StudyJson() {}

    static void write(StudyResult r) throws IOException {
        Settings o = r.settings();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("strata_version", o.version());
        json.put("llama_cpp", o.llamaCpp());
        Map<String, Object> corpus = new LinkedHashMap<>();
        corpus.put("name", r.corpusName());
        corpus.put("sha256", r.corpusSha256());
        corpus.put("n", r.n());
        json.put("corpus", corpus);
        json.put("metric", "mknn");
        json.put("k", o.k());
        json.put("pooling", o.pooling().label());
        json.put("view", o.view().toString());
        json.put("embeddings_dropped", true);
        json.put("chance", r.chance());
        json.put("max_tokens", o.maxTokens());
        json.put("chat_template", o.chatTemplate());
        json.put("resamples", o.resamples());
        json.put("seed", o.seed());
        json.put("control", o.control());

        List<Object> models = new ArrayList<>();
        for (ModelResult m : r.models()) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("name", m.model().name());
            model.put("file", m.model().file().toString());
            model.put("control_of", m.model().controlOf());
            model.put("sha256", m.metadata().modelSha256());
            model.put("architecture", m.metadata().architecture());
            model.put("family", m.family().family());
            model.put("size", m.family().size());
            model.put("blocks", m.metadata().nLayer());
            model.put("width", m.metadata().nEmbd());
            model.put("chat_template_sha256", m.metadata().chatTemplateSha256());
            model.put("layers", m.layers());
            model.put("dir", r.relative(m.dir()));
            model.put("activations", r.relative(m.activations()));
            model.put("knn", r.relative(m.knn()));
            model.put("extraction_reused", m.extractionReused());
            model.put("knn_reused", m.knnReused());
            models.add(model);
        }
        json.put("models", models);
        List<Object> skipped = new ArrayList<>();
        for (SkippedModel m : r.skipped()) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("name", m.model().name());
            model.put("file", m.model().file().toString());
            model.put("reason", m.reason());
            skipped.add(model);
        }
        // Only when there are any: a study without failures keeps the file it always had.
        if (!skipped.isEmpty()) json.put("skipped", skipped);

        List<Object> pairs = new ArrayList<>();
        for (Pair p : r.pairs()) {
            Summary s = p.comparison().summary();
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("a", p.comparison().nameA());
            pair.put("b", p.comparison().nameB());
            pair.put("within_model", p.withinModel());
            pair.put("family_a", r.models().get(p.i()).family().label());
            pair.put("family_b", r.models().get(p.j()).family().label());
            pair.put("same_family", r.sameFamily(p));
            pair.put("involves_control", r.involvesControl(p));
            pair.put("dir", r.relative(p.dir()));
            pair.put("summary", r.relative(p.dir().resolve(ComparisonWriter.SUMMARY_JSON)));
            pair.put("matrix", r.relative(p.dir().resolve(ComparisonWriter.MATRIX_NPY)));
            pair.put("shape", List.of(p.comparison().matrix().length, p.comparison().matrix()[0].length));
            pair.put("on_diagonal_mean", finiteOrNull(s.onDiagonalMean()));
            pair.put("off_diagonal_mean", finiteOrNull(s.offDiagonalMean()));
            pair.put("on_minus_off", finiteOrNull(s.onDiagonalMean() - s.offDiagonalMean()));
            pair.put("spearman_rows", finiteOrNull(s.rowArgmaxSpearman()));
            pair.put("spearman_columns", finiteOrNull(s.columnArgmaxSpearman()));
            pair.put("p_blocks_5", finiteOrNull(s.permutationP(5)));
            pair.put("p_blocks_10", finiteOrNull(s.permutationP(10)));
            putSensitivity(pair, r.sensitivity().pairs().get(pairs.size()), o.k());
            Calibration calibration = p.comparison().calibration();
            if (calibration != null) pair.put("calibration", ComparisonWriter.calibrationScores(calibration));
            pairs.add(pair);
        }
        json.put("pairs", pairs);
        List<Object> bagOfTokens = new ArrayList<>();
        for (BagOfTokensRow row : r.bagOfTokens()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("tokenizer", r.models().get(row.tokenizer()).model().name());
            entry.put("model", r.models().get(row.model()).model().name());
            entry.put("m", row.m().stream().map(JsonNumbers::finiteOrNull).toList());
            bagOfTokens.add(entry);
        }
        json.put("bag_of_tokens", bagOfTokens);
        if (r.randomStrings() != null) {
            Map<String, Object> control = new LinkedHashMap<>();
            control.put("study", r.relative(r.randomStrings().studyJson()));
            control.put("report", r.relative(r.randomStrings().report()));
            control.put("corpus", r.randomStrings().corpusName());
            json.put("random_strings", control);
        }
        json.put("reading", r.reading());
        Map<String, Object> timings = new LinkedHashMap<>();
        r.stageSeconds().forEach(timings::put);
        json.put("seconds", timings);
        json.put("report", StudyReport.HTML);
        Sensitivity sensitivity = r.sensitivity();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("k_max", sensitivity.kMax());
        settings.put("ks", sensitivity.ks());
        settings.put("bootstrap_resamples", sensitivity.resamples());
        settings.put("bootstrap_interval", "percentile, " + Math.round(PromptBootstrap.CONFIDENCE * 100) + "%");
        settings.put("seed", sensitivity.seed());
        settings.put("subsample_sizes", sensitivity.sizes());
        settings.put("details", "docs/statistics.md");
        json.put("sensitivity", settings);
        r.pairs().stream().map(p -> p.comparison().calibration()).filter(Objects::nonNull).findFirst().ifPresent(c -> {
            Map<String, Object> calibration = new LinkedHashMap<>();
            calibration.put("permutations", c.permutations());
            calibration.put("seed", c.seed());
            calibration.put("alpha", Calibration.ALPHA);
            calibration.put("null", "the prompt correspondence between the two models shuffled, the same shuffle for "
                    + "every cell of a pair");
            calibration.put("details", "docs/statistics.md; each pair's summary.json");
            json.put("calibration", calibration);
        });
        AtomicFile.writeString(r.studyJson(), JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT,
                JSON.Feature.WRITE_NULL_PROPERTIES).asString(json) + "\n");
    }

    /** A pair's diagonal means at each k, their bootstrap intervals at the study's k and at each subsample size. */
    private static void putSensitivity(Map<String, Object> pair, Sensitivity.ForPair s, int k) {
        List<Object> byK = new ArrayList<>();
        for (KSensitivity.Point point : s.byK()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("k", point.k());
            entry.putAll(means(point.means()));
            byK.add(entry);
        }
        pair.put("k_sensitivity", byK);
        Map<String, Object> bootstrap = new LinkedHashMap<>();
        bootstrap.put("on_diagonal_mean", interval(s.bootstrap().on()));
        bootstrap.put("off_diagonal_mean", interval(s.bootstrap().off()));
        bootstrap.put("on_minus_off", interval(s.bootstrap().difference()));
        pair.put("bootstrap_interval", bootstrap);
        List<Object> bySize = new ArrayList<>();
        for (Sensitivity.SizePoint point : s.bySize()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("n", point.n());
            entry.put("chance", (double) k / (point.n() - 1));
            entry.putAll(means(point.means()));
            bySize.add(entry);
        }
        pair.put("subsample", bySize);
    }

    private static Map<String, Object> means(SimilarityStats.DiagonalMeans means) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("on_diagonal_mean", finiteOrNull(means.on()));
        entry.put("off_diagonal_mean", finiteOrNull(means.off()));
        entry.put("on_minus_off", finiteOrNull(means.difference()));
        return entry;
    }

    private static List<Object> interval(PromptBootstrap.Interval interval) {
        return Arrays.asList(finiteOrNull(interval.low()), finiteOrNull(interval.high()));
    }
}
