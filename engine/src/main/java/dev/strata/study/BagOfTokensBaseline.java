package dev.strata.study;

import dev.strata.compare.NeighbourSimilarity;
import dev.strata.compare.NeighbourTable;
import dev.strata.compare.SimilarityMetric;
import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusSource;
import dev.strata.knn.BagOfTokens;
import dev.strata.plan.Executor;
import dev.strata.plan.StageProgress;
import dev.strata.plan.TokenizeTask;
import dev.strata.results.BagOfTokensRow;
import dev.strata.results.ModelResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The study's bag-of-tokens baseline: for every trained model's tokenizer, the TF-IDF k-NN of the prompts as the
 * extraction tokenized them (tokenized by the executor, where llama.cpp runs), compared by M with every layer of every
 * model (controls included; a control shares its model's tokenizer, so it counts no tokens of its own).
 */
final class BagOfTokensBaseline {
    static final String LABEL = "bag of tokens";

    private BagOfTokensBaseline() {}

    /** @param forTasks where the tokenizing tasks find {@code corpus} */
    static List<BagOfTokensRow> compute(List<ModelResult> models, Corpus corpus, CorpusSource forTasks,
            Study.Options options, Executor executor, Study.Listener listener) throws IOException {
        List<Integer> trained = new ArrayList<>();
        List<TokenizeTask> tasks = new ArrayList<>();
        for (int t = 0; t < models.size(); t++) {
            if (models.get(t).model().isControl()) continue;
            trained.add(t);
            tasks.add(new TokenizeTask(models.get(t).model().name(), models.get(t).model().file().toString(),
                    forTasks, Study.extractOptions(options)));
        }
        List<TokenizeTask.Done> tokenized = executor.run("tokenize", tasks, StageProgress.none());
        List<NeighbourTable> layers = new ArrayList<>();
        for (ModelResult m : models) layers.add(NeighbourTable.read(m.knn()).withoutFirstLayer());
        int threads = options.knnThreads() > 0 ? options.knnThreads() : Runtime.getRuntime().availableProcessors();
        List<BagOfTokensRow> rows = new ArrayList<>();
        for (int i = 0; i < trained.size(); i++) {
            int t = trained.get(i);
            long started = System.nanoTime();
            int[] neighbours = BagOfTokens.nearest(BagOfTokens.tfidf(tokenized.get(i).ids()), options.k(), threads);
            NeighbourTable bag = new NeighbourTable(1, corpus.size(), options.k(), neighbours, List.of(LABEL));
            for (int j = 0; j < models.size(); j++) {
                double[] m = NeighbourSimilarity.matrix(bag, layers.get(j), SimilarityMetric.MKNN)[0];
                rows.add(new BagOfTokensRow(t, j, Arrays.stream(m).boxed().toList()));
            }
            listener.stage(String.format(Locale.ROOT, "bag of tokens %s: tokenized in %.1f s, TF-IDF k-NN of %d prompts"
                    + " in %.1f s", models.get(t).model().name(), tokenized.get(i).seconds(), corpus.size(),
                    (System.nanoTime() - started) / 1e9));
        }
        return rows;
    }
}
