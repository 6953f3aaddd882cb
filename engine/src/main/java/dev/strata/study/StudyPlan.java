package dev.strata.study;

import dev.strata.corpus.Corpus;
import dev.strata.plan.ExtractionTask;
import dev.strata.plan.KnnTask;
import dev.strata.results.Model;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's work as tasks that an executor may run anywhere: stage 1 extracts every model, stage 2 computes every
 * model's k-NN tables. Comparisons, statistics and the report are cheap and run on the driver.
 */
final class StudyPlan {
    private StudyPlan() {}

    /** The folder of a model's activations and k-NN tables. */
    static Path modelDir(Path out, Model model) {
        return out.resolve(Study.MODELS).resolve(model.slug());
    }

    /** One extraction per model, into its folder. */
    static List<ExtractionTask> extraction(List<Model> models, Corpus corpus, Path out, Study.Options options) {
        List<ExtractionTask> tasks = new ArrayList<>();
        for (Model model : models) {
            tasks.add(new ExtractionTask(model.name(), model.file().toString(), corpus,
                    modelDir(out, model).toString(), Study.extractOptions(options), options.pooling(),
                    options.onModelError() == Study.OnModelError.SKIP));
        }
        return tasks;
    }

    /** Per model, its k-NN table at k and, when it differs, at the k sensitivity's k. */
    static List<KnnTask> knn(List<Model> models, Corpus corpus, Path out, Study.Options options) {
        List<KnnTask> tasks = new ArrayList<>();
        for (Model model : models) {
            for (int k : ks(options, corpus)) tasks.add(knn(model, out, options, k));
        }
        return tasks;
    }

    /** The k of each k-NN table a model gets: the study's k, then the k sensitivity's when it differs. */
    static List<Integer> ks(Study.Options options, Corpus corpus) {
        int kMax = Study.kMax(options, corpus);
        return kMax == options.k() ? List.of(options.k()) : List.of(options.k(), kMax);
    }

    private static KnnTask knn(Model model, Path out, Study.Options options, int k) {
        Path dir = modelDir(out, model);
        return new KnnTask(model.name(), dir.resolve(options.pooling().fileName()).toString(),
                Study.knnFile(dir, options, k).toString(), k, options.view(), options.device());
    }
}
