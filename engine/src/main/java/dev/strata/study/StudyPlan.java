package dev.strata.study;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.extract.ExtractionShard;
import dev.strata.io.Sha256;
import dev.strata.plan.ExtractionTask;
import dev.strata.plan.KnnTable;
import dev.strata.plan.ShardTask;
import dev.strata.results.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's work as tasks that an executor may run anywhere: stage 1 extracts every model (when asked, first in
 * shards of a run of prompts each, then a merge per model), stage 2 computes every model's k-NN tables, one task per
 * layer (or per block of a large layer's rows, where the executor asks for that), which the driver puts together.
 * Comparisons, statistics and the report are cheap and run on the driver.
 */
final class StudyPlan {
    private StudyPlan() {}

    /** The folder of a model's activations and k-NN tables. */
    static Path modelDir(Path out, Model model) {
        return out.resolve(Study.MODELS).resolve(model.slug());
    }

    /** One extraction per model, into its folder, of the corpus the tasks find at {@code corpus}. */
    static List<ExtractionTask> extraction(List<Model> models, CorpusSource corpus, Path out, Study.Options options) {
        List<ExtractionTask> tasks = new ArrayList<>();
        for (Model model : models) {
            tasks.add(new ExtractionTask(model.name(), model.file().toString(), corpus,
                    modelDir(out, model).toString(), Study.extractOptions(options), options.pooling(),
                    options.onModelError() == Study.OnModelError.SKIP));
        }
        return tasks;
    }

    /**
     * The shards of every model's extraction: the batches that begin in each run of {@code shardPrompts} prompts.
     * None when the options ask for no shards or the corpus fits in one.
     *
     * @param forTasks where the tasks find the corpus
     */
    static List<ShardTask> shards(List<Model> models, Corpus corpus, CorpusSource forTasks, Path out,
            Study.Options options) {
        int size = options.shardPrompts();
        if (size == 0 || size >= corpus.size()) return List.of();
        int shards = (corpus.size() + size - 1) / size;
        List<ShardTask> tasks = new ArrayList<>();
        for (Model model : models) {
            for (int s = 0; s < shards; s++) {
                tasks.add(new ShardTask(model.name(), model.file().toString(), forTasks,
                        modelDir(out, model).toString(), Study.extractOptions(options),
                        new ExtractionShard(s, s * size, Math.min(corpus.size(), (s + 1) * size)), shards,
                        options.onModelError() == Study.OnModelError.SKIP));
            }
        }
        return tasks;
    }

    /**
     * Per model, its k-NN table at k and, when it differs, at the k sensitivity's k.
     *
     * @param blockRows a layer of more rows is computed in tasks of this many rows (0: a task per layer)
     */
    static List<KnnTable> knn(List<Model> models, Corpus corpus, Path out, Study.Options options, int blockRows)
            throws IOException {
        List<KnnTable> tables = new ArrayList<>();
        for (Model model : models) {
            Path dir = modelDir(out, model);
            Path activations = dir.resolve(options.pooling().fileName());
            String sha = Sha256.of(activations);
            for (int k : ks(options, corpus)) {
                tables.add(new KnnTable(model.name(), activations, sha, Study.knnFile(dir, options, k), k,
                        options.view(), options.device(), blockRows));
            }
        }
        return tables;
    }

    /** The k of each k-NN table a model gets: the study's k, then the k sensitivity's when it differs. */
    static List<Integer> ks(Study.Options options, Corpus corpus) {
        int kMax = Study.kMax(options, corpus);
        return kMax == options.k() ? List.of(options.k()) : List.of(options.k(), kMax);
    }
}
