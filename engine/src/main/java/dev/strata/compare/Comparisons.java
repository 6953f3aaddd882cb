package dev.strata.compare;

import dev.strata.knn.KnnSidecar;
import dev.strata.knn.LayerView;
import dev.strata.knn.RowMatrix;
import dev.strata.store.ActivationsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The compare stage's one entry point, for the command line and the study alike: loads two models' neighbour tables
 * or activations, checks they describe the same prompts, and computes the layer-by-layer matrix and its summary.
 */
public final class Comparisons {
    /** Whether layer 0 of the view (the embeddings, h_0) takes part; the analyses leave it out by default. */
    public enum Embeddings { DROP, KEEP }

    /**
     * How to compare two inputs.
     *
     * @param nameA model A's display name, or null for the one its files record (else the file name)
     * @param nameB model B's display name, or null likewise
     * @param permutations shuffles of the prompt correspondence for the calibration (0: none)
     */
    public record Settings(SimilarityMetric metric, Embeddings embeddings, String nameA, String nameB, int resamples,
                           long seed, int permutations) {
        public Settings {
            Objects.requireNonNull(metric);
            Objects.requireNonNull(embeddings);
            if (permutations < 0) throw new IllegalArgumentException("permutations must be at least 0, got " + permutations);
        }
    }

    /** Models {@code i} and {@code j} of a list compared ({@code i <= j}; {@code i == j} is within one model). */
    public record IndexedPair(int i, int j, Comparison comparison) {}

    private Comparisons() {}

    /**
     * Compares two k-NN tables with a neighbour metric (mknn or jaccard). A table's sidecar, when there is one, gives
     * its layer labels, model name and corpus.
     *
     * @throws InputsDifferException when the tables differ in n or k, or come from different corpora
     */
    public static Comparison ofTables(Path a, Path b, Settings settings) throws IOException {
        if (!settings.metric().usesNeighbours()) {
            throw new IllegalArgumentException(settings.metric().cliName() + " is computed from activations, not k-NN tables");
        }
        Optional<KnnSidecar> sidecarA = KnnSidecar.readBeside(a);
        Optional<KnnSidecar> sidecarB = KnnSidecar.readBeside(b);
        NeighbourTable tableA = NeighbourTable.read(a);
        NeighbourTable tableB = NeighbourTable.read(b);
        requireSamePrompts(tableA, sidecarA.map(KnnSidecar::corpusSha256).orElse(null),
                tableB, sidecarB.map(KnnSidecar::corpusSha256).orElse(null));
        int firstLayerNumber = 0;
        if (settings.embeddings() == Embeddings.DROP) {
            tableA = tableA.withoutFirstLayer();
            tableB = tableB.withoutFirstLayer();
            firstLayerNumber = 1;
        }
        String rowName = settings.nameA() != null ? settings.nameA() : tableName(a, sidecarA);
        String columnName = settings.nameB() != null ? settings.nameB() : tableName(b, sidecarB);
        double[][] matrix = NeighbourSimilarity.matrix(tableA, tableB, settings.metric());
        Calibration calibration = settings.permutations() == 0 ? null : PermutationNull.ofTables(tableA, tableB,
                settings.metric(), matrix, settings.permutations(), settings.seed());
        return Comparison.of(matrix, rowName, columnName, tableA.labels(), tableB.labels(), firstLayerNumber,
                new Summary.Options(settings.metric(), tableA.k(), tableA.n(), Files.isSameFile(a, b),
                        settings.resamples(), settings.seed()), calibration);
    }

    /**
     * Compares two activations files by linear CKA of the stored vectors, layer against layer of {@code view}.
     *
     * @throws InputsDifferException when the files hold different prompt counts or come from different corpora
     */
    public static Comparison ofActivations(Path a, Path b, LayerView.Kind view, Settings settings) throws IOException {
        if (settings.metric() != SimilarityMetric.CKA) {
            throw new IllegalArgumentException(settings.metric().cliName() + " is computed from k-NN tables, not activations");
        }
        try (ActivationsFile fileA = ActivationsFile.open(a);
             ActivationsFile fileB = ActivationsFile.open(b)) {
            String corpusA = fileA.metadata().corpusSha256();
            String corpusB = fileB.metadata().corpusSha256();
            if (corpusA != null && corpusB != null && !corpusA.equals(corpusB)) {
                throw InputsDifferException.corpus(corpusA, corpusB);
            }
            LayerView viewA = LayerView.of(fileA, view);
            LayerView viewB = LayerView.of(fileB, view);
            viewA.requireFinite();
            viewB.requireFinite();
            if (viewA.rows() != viewB.rows()) throw InputsDifferException.promptCount(viewA.rows(), viewB.rows());
            int first = settings.embeddings() == Embeddings.KEEP ? 0 : 1;
            LinearCka.Activations actsA = activations(viewA, first);
            LinearCka.Activations actsB = activations(viewB, first);
            double[][] matrix = LinearCka.matrix(actsA, actsB);
            Calibration calibration = settings.permutations() == 0 ? null
                    : PermutationNull.ofActivations(actsA, actsB, matrix, settings.permutations(), settings.seed());
            String rowName = settings.nameA() != null ? settings.nameA()
                    : Objects.requireNonNullElse(fileA.metadata().model(), a.getFileName().toString());
            String columnName = settings.nameB() != null ? settings.nameB()
                    : Objects.requireNonNullElse(fileB.metadata().model(), b.getFileName().toString());
            return Comparison.of(matrix, rowName, columnName, viewA.names().subList(first, viewA.size()),
                    viewB.names().subList(first, viewB.size()), first, new Summary.Options(SimilarityMetric.CKA, 0,
                            viewA.rows(), Files.isSameFile(a, b), settings.resamples(), settings.seed()), calibration);
        }
    }

    /**
     * Every model against itself and every other model by mutual k-NN, embeddings dropped: the study's matrices,
     * computed in parallel, in the order of {@link NeighbourSimilarity#allPairs}, each calibrated against
     * {@code permutations} shuffles of the prompt correspondence (0: none), the same shuffles for every pair.
     *
     * @param knnFiles one k-NN table per model, all on the same prompts with the same k
     * @param names    the models' display names, in the same order
     */
    public static List<IndexedPair> allPairs(List<Path> knnFiles, List<String> names, int resamples, long seed,
                                             int permutations) throws IOException {
        if (knnFiles.size() != names.size()) {
            throw new IllegalArgumentException(knnFiles.size() + " tables for " + names.size() + " names");
        }
        List<NeighbourTable> tables = new ArrayList<>();
        List<String> corpora = new ArrayList<>();
        for (Path file : knnFiles) {
            tables.add(NeighbourTable.read(file).withoutFirstLayer());
            corpora.add(KnnSidecar.readBeside(file).map(KnnSidecar::corpusSha256).orElse(null));
        }
        for (int m = 1; m < tables.size(); m++) {
            try {
                requireSamePrompts(tables.getFirst(), corpora.getFirst(), tables.get(m), corpora.get(m));
            } catch (InputsDifferException e) {
                throw new IllegalArgumentException(e.describe(knnFiles.getFirst().toString(), knnFiles.get(m).toString()), e);
            }
        }
        SimilarityMetric metric = SimilarityMetric.MKNN;
        List<NeighbourSimilarity.PairMatrix> matrices = NeighbourSimilarity.allPairs(tables, metric);
        List<Calibration> calibrations = permutations == 0 ? null
                : PermutationNull.allPairs(tables, metric, matrices, permutations, seed);
        return IntStream.range(0, matrices.size()).parallel().mapToObj(index -> {
            NeighbourSimilarity.PairMatrix p = matrices.get(index);
            NeighbourTable a = tables.get(p.i());
            NeighbourTable b = tables.get(p.j());
            return new IndexedPair(p.i(), p.j(), Comparison.of(p.matrix(), names.get(p.i()), names.get(p.j()),
                    a.labels(), b.labels(), 1, new Summary.Options(metric, a.k(), a.n(), p.i() == p.j(), resamples, seed),
                    calibrations == null ? null : calibrations.get(index)));
        }).toList();
    }

    /** Two tables are comparable only on the same prompts: same n and k, and the same corpus when both record it. */
    private static void requireSamePrompts(NeighbourTable a, String corpusA, NeighbourTable b, String corpusB) {
        if (a.n() != b.n() || a.k() != b.k()) throw InputsDifferException.tableShape(a.n(), a.k(), b.n(), b.k());
        if (corpusA != null && corpusB != null && !corpusA.equals(corpusB)) {
            throw InputsDifferException.corpus(corpusA, corpusB);
        }
    }

    /** The model a table's sidecar names, else the file name without ".npy". */
    private static String tableName(Path file, Optional<KnnSidecar> sidecar) {
        return sidecar.map(KnnSidecar::model).filter(m -> !m.isBlank())
                .orElseGet(() -> file.getFileName().toString().replaceFirst("\\.npy$", ""));
    }

    /** The view's layers from {@code first} on, each n x D in memory: CKA needs whole matrices. */
    private static LinearCka.Activations activations(LayerView view, int first) {
        int n = view.rows();
        int dim = view.dim();
        float[][] layers = new float[view.size() - first][];
        float[] row = new float[dim];
        for (int l = first; l < view.size(); l++) {
            RowMatrix matrix = view.layer(l);
            float[] values = new float[Math.multiplyExact(n, dim)];
            for (int t = 0; t < n; t++) {
                matrix.copyRow(t, row);
                System.arraycopy(row, 0, values, t * dim, dim);
            }
            layers[l - first] = values;
        }
        return new LinearCka.Activations(n, dim, layers);
    }
}
