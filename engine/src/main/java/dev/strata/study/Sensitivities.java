package dev.strata.study;

import dev.strata.compare.KSensitivity;
import dev.strata.compare.NeighbourTable;
import dev.strata.compare.PromptBootstrap;
import dev.strata.compare.SimilarityStats.DiagonalMeans;
import dev.strata.compare.SubsampleCurve;
import dev.strata.compare.Summary;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.LayerView;
import dev.strata.knn.RowMatrix;
import dev.strata.results.ModelResult;
import dev.strata.results.Pair;
import dev.strata.results.Sensitivity;
import dev.strata.store.ActivationsFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The study's k sensitivity, bootstrap intervals and subsample curve, from the tables and activations it stored. */
final class Sensitivities {
    private Sensitivities() {}

    static Sensitivity compute(List<ModelResult> models, List<Pair> pairs, int kMax, Study.Options options,
            Study.Listener listener) throws IOException {
        List<Integer> ks = KSensitivity.ks(kMax);
        listener.stage("sensitivity: k = " + ks + " from the k = " + kMax + " tables, " + options.resamples()
                + " bootstrap resamples, subsets");
        List<NeighbourTable> kMaxTables = new ArrayList<>();
        List<NeighbourTable> tables = new ArrayList<>();
        for (ModelResult m : models) {
            kMaxTables.add(NeighbourTable.read(Study.knnFile(m.dir(), options, kMax)).withoutFirstLayer());
            tables.add(NeighbourTable.read(m.knn()).withoutFirstLayer());
        }
        List<List<KSensitivity.Point>> byK = KSensitivity.allPairs(kMaxTables, ks);
        List<PromptBootstrap.Intervals> intervals = PromptBootstrap.allPairs(tables, options.resamples(),
                options.seed());
        int n = tables.getFirst().n();
        List<Integer> sizes = SubsampleCurve.sizes(n, options.k());
        List<SubsampleCurve.Point> curve = subsampleCurve(models, sizes, n, options);

        List<Sensitivity.ForPair> forPairs = new ArrayList<>();
        for (int p = 0; p < pairs.size(); p++) {
            List<Sensitivity.SizePoint> bySize = new ArrayList<>();
            for (SubsampleCurve.Point point : curve) bySize.add(new Sensitivity.SizePoint(point.n(), point.pairs().get(p)));
            Summary full = pairs.get(p).comparison().summary();
            bySize.add(new Sensitivity.SizePoint(n, new DiagonalMeans(full.onDiagonalMean(), full.offDiagonalMean())));
            forPairs.add(new Sensitivity.ForPair(byK.get(p), intervals.get(p), bySize));
        }
        List<Integer> allSizes = new ArrayList<>(sizes);
        allSizes.add(n);
        return new Sensitivity(kMax, ks, options.resamples(), options.seed(), allSizes, forPairs);
    }

    /** k-NN on each subset from the stored activations, embeddings left out as in the study's matrices. */
    private static List<SubsampleCurve.Point> subsampleCurve(List<ModelResult> models, List<Integer> sizes, int n,
            Study.Options options) throws IOException {
        if (sizes.isEmpty()) return List.of();
        List<ActivationsFile> files = new ArrayList<>();
        try {
            List<List<RowMatrix>> layers = new ArrayList<>();
            for (ModelResult m : models) {
                ActivationsFile file = ActivationsFile.open(m.activations());
                files.add(file);
                LayerView view = LayerView.of(file, options.view());
                List<RowMatrix> modelLayers = new ArrayList<>();
                for (int l = 1; l < view.size(); l++) modelLayers.add(view.layer(l));
                layers.add(modelLayers);
            }
            return SubsampleCurve.compute(layers, options.k(), SubsampleCurve.subsets(n, sizes, options.seed()),
                    KnnBackends.select(options.device(), options.knnThreads()).backend());
        } finally {
            for (ActivationsFile file : files) file.close();
        }
    }
}
