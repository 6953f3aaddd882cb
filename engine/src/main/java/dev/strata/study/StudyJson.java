package dev.strata.study;

import static dev.strata.io.JsonNumbers.finiteOrNull;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.Summary;
import dev.strata.io.AtomicFile;
import dev.strata.report.StudyReport;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Settings;
import dev.strata.results.SkippedModel;
import dev.strata.results.StudyResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
            model.put("blocks", m.metadata().nLayer());
            model.put("width", m.metadata().nEmbd());
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
            pairs.add(pair);
        }
        json.put("pairs", pairs);
        json.put("reading", r.reading());
        Map<String, Object> timings = new LinkedHashMap<>();
        r.stageSeconds().forEach(timings::put);
        json.put("seconds", timings);
        json.put("report", StudyReport.HTML);
        AtomicFile.writeString(r.studyJson(), JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT,
                JSON.Feature.WRITE_NULL_PROPERTIES).asString(json) + "\n");
    }
}
