package dev.strata.results;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a finished study holds: what the report and study.json are made from.
 *
 * @param sensitivity the k, bootstrap and subsample statistics of every pair
 * @param bagOfTokens the bag-of-tokens baseline: each trained model's tokenizer against every model's layers
 * @param randomStrings the same study on random strings ({@code --control random-strings}); null without it
 */
public record StudyResult(Path out, String corpusName, String corpusSha256, int n, Settings settings,
                          List<ModelResult> models, List<SkippedModel> skipped, List<Pair> pairs,
                          Sensitivity sensitivity, List<BagOfTokensRow> bagOfTokens, StudyResult randomStrings,
                          Map<String, Double> stageSeconds, Path studyJson, Path report) {
    /** The M of unrelated neighbour sets, k/(n-1). */
    public double chance() {
        return (double) settings.k() / (n - 1);
    }

    /** Whether either model of the pair is an untrained control. */
    public boolean involvesControl(Pair p) {
        return models.get(p.i()).model().isControl() || models.get(p.j()).model().isControl();
    }

    /** Whether the pair's two models are of one family (two sizes of it, or one model with itself). */
    public boolean sameFamily(Pair p) {
        return models.get(p.i()).family().sameFamily(models.get(p.j()).family());
    }

    /** Whether the row compares a model with its own tokenizer (for an untrained control: its model's). */
    public boolean ownTokenizer(BagOfTokensRow row) {
        Model model = models.get(row.model()).model();
        return models.get(row.tokenizer()).model().name().equals(model.isControl() ? model.controlOf() : model.name());
    }

    /** {@code path} relative to the study folder, with forward slashes (a URL path). */
    public String relative(Path path) {
        return out.toAbsolutePath().normalize().relativize(path.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
    }

    /** The plain-language reading of this study's numbers. */
    public List<String> reading() {
        return Reading.sentences(this);
    }
}
