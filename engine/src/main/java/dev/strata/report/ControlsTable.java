package dev.strata.report;

import dev.strata.compare.SimilarityStats.DiagonalMeans;
import dev.strata.compare.Summary;
import dev.strata.results.Model;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.StudyResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report's one table (and figure) of every control beside the result: for each pair of trained models, the on-
 * and off-diagonal means on the corpus, on random strings, between the two models' untrained twins, and each model's
 * mean M with the bag of tokens of its own tokenizer.
 */
final class ControlsTable {
    /**
     * One pair's numbers; a control that was not run is null (NaN for the bag of tokens).
     *
     * @param bagOfTokensA model A's mean over its layers of M with its own tokenizer's bag of tokens
     */
    record Numbers(String a, String b, DiagonalMeans corpus, DiagonalMeans randomStrings, DiagonalMeans untrained,
                   double bagOfTokensA, double bagOfTokensB) {}

    /** One pair's cells, formatted "on / off" ("—" where that control was not run). */
    record Row(String a, String b, String corpus, String randomStrings, String untrained, String bagOfTokens) {}

    private ControlsTable() {}

    static List<Numbers> numbers(StudyResult r) {
        List<Numbers> numbers = new ArrayList<>();
        for (Pair p : r.pairs()) {
            if (p.withinModel() || r.involvesControl(p)) continue;
            String a = p.comparison().nameA();
            String b = p.comparison().nameB();
            DiagonalMeans randomStrings = r.randomStrings() == null ? null
                    : pair(r.randomStrings(), a, b).map(ControlsTable::means).orElse(null);
            DiagonalMeans untrained = pair(r, untrainedTwin(r, a), untrainedTwin(r, b)).map(ControlsTable::means)
                    .orElse(null);
            numbers.add(new Numbers(a, b, means(p), randomStrings, untrained, bagOfTokensMean(r, p.i()),
                    bagOfTokensMean(r, p.j())));
        }
        return numbers;
    }

    static List<Row> rows(StudyResult r) {
        return numbers(r).stream().map(n -> new Row(n.a(), n.b(), onOff(n.corpus()), onOff(n.randomStrings()),
                onOff(n.untrained()), number(n.bagOfTokensA()) + " / " + number(n.bagOfTokensB()))).toList();
    }

    /** Whether the study ran the untrained control: then its column has numbers. */
    static boolean hasUntrained(StudyResult r) {
        return r.models().stream().anyMatch(m -> m.model().isControl());
    }

    private static String untrainedTwin(StudyResult r, String model) {
        return r.models().stream().map(ModelResult::model).filter(m -> model.equals(m.controlOf())).map(Model::name)
                .findFirst().orElse("");
    }

    /** The cross-model pair of models {@code a} and {@code b} (either order) in study {@code r}. */
    private static Optional<Pair> pair(StudyResult r, String a, String b) {
        return r.pairs().stream().filter(p -> !p.withinModel())
                .filter(p -> p.comparison().nameA().equals(a) && p.comparison().nameB().equals(b)
                        || p.comparison().nameA().equals(b) && p.comparison().nameB().equals(a))
                .findFirst();
    }

    private static DiagonalMeans means(Pair p) {
        Summary s = p.comparison().summary();
        return new DiagonalMeans(s.onDiagonalMean(), s.offDiagonalMean());
    }

    /** The mean over model {@code model}'s layers of its M with its own tokenizer's bag of tokens. */
    private static double bagOfTokensMean(StudyResult r, int model) {
        return r.bagOfTokens().stream().filter(row -> row.model() == model && r.ownTokenizer(row)).findFirst()
                .map(row -> row.m().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN))
                .orElse(Double.NaN);
    }

    private static String onOff(DiagonalMeans means) {
        return means == null ? "—" : number(means.on()) + " / " + number(means.off());
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "—";
    }
}
