package dev.strata.results;

import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reading's sentences about what strata adds beyond the paper: how sure the result is (bootstrap intervals), how
 * much of it counting tokens gives (bag of tokens) and what random strings give. Pure, like {@link Reading}.
 */
final class ControlReading {
    private ControlReading() {}

    static List<String> sentences(StudyResult r) {
        List<String> out = new ArrayList<>();
        List<Pair> trained = r.pairs().stream().filter(p -> !p.withinModel() && !r.involvesControl(p)).toList();
        if (trained.isEmpty()) return out;
        int above = 0;
        double lowest = Double.POSITIVE_INFINITY;
        for (Pair p : trained) {
            PromptBootstrap.Interval d = r.sensitivity().pairs().get(r.pairs().indexOf(p)).bootstrap().difference();
            if (d.low() > 0) above++;
            lowest = Math.min(lowest, d.low());
        }
        out.add(String.format(Locale.ROOT, "How sure: the 95%% bootstrap interval of on − off lies above 0 for %d of %d"
                + " trained %s (lowest lower end %s)%s", above, trained.size(), trained.size() == 1 ? "pair" : "pairs",
                Reading.fmt3(lowest), above == trained.size()
                        ? ", so another draw of prompts would very likely show the band again."
                        : "; for the others another draw of prompts could erase the difference."));

        double between = trained.stream().mapToDouble(p -> p.comparison().summary().onDiagonalMean()).average()
                .orElse(Double.NaN);
        r.bagOfTokens().stream().filter(row -> r.ownTokenizer(row) && !r.models().get(row.model()).model().isControl())
                .mapToDouble(row -> row.m().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN))
                .max().ifPresent(bag -> out.add(String.format(Locale.ROOT, "Counting tokens alone (TF-IDF bag of"
                        + " tokens) reaches M = %s with a model's layers at best, against an on-diagonal mean of %s"
                        + " between models: %s", Reading.fmt3(bag), Reading.fmt3(between), bag < between / 2
                        ? "shared vocabulary explains little of the agreement."
                        : "shared vocabulary may explain much of the agreement.")));

        if (r.randomStrings() != null) {
            List<Summary> strings = r.randomStrings().pairs().stream().filter(p -> !p.withinModel())
                    .map(p -> p.comparison().summary()).toList();
            if (!strings.isEmpty()) {
                double on = strings.stream().mapToDouble(Summary::onDiagonalMean).average().orElse(Double.NaN);
                double off = strings.stream().mapToDouble(Summary::offDiagonalMean).average().orElse(Double.NaN);
                out.add(String.format(Locale.ROOT, "On random strings the same pairs average %s on the diagonal against"
                        + " %s off it (on this corpus %s): %s", Reading.fmt3(on), Reading.fmt3(off),
                        Reading.fmt3(between), on - off > 0 ? "part of the depth structure needs no language at all."
                                : "without language the depth structure disappears."));
            }
        }
        return out;
    }
}
