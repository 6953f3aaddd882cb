package dev.strata.cli;

import dev.strata.compare.Comparison;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.LinearCka;
import dev.strata.compare.NeighbourSimilarity;
import dev.strata.compare.NeighbourTable;
import dev.strata.compare.SimilarityMetric;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import dev.strata.knn.KnnSidecar;
import dev.strata.knn.LayerView;
import dev.strata.knn.RowMatrix;
import dev.strata.store.ActivationsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** strata compare: the layer-by-layer similarity of two models' neighbour tables, its statistics and heat map. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compares every layer of model A with every layer of model B on the same prompts.",
                "Writes similarity.npy, similarity.csv, summary.json and heatmap.png into --out.",
                "Give the same file as --a and --b for a within-model matrix."})
public final class CompareCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--a", paramLabel = "KNN_A.npy", description = "k-NN table of model A (rows); mknn and jaccard")
    Path a;

    @Option(names = "--b", paramLabel = "KNN_B.npy", description = "k-NN table of model B (columns); mknn and jaccard")
    Path b;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Option(names = "--metric", defaultValue = "mknn", paramLabel = "mknn|jaccard|cka",
            description = "mutual k-NN (the paper's M, default), Jaccard of the neighbour sets, or linear CKA")
    String metric;

    @Option(names = "--keep-embeddings", description = "keep layer 0 of the view (the embeddings), which is dropped by default")
    boolean keepEmbeddings;

    @Mixin
    PermutationOptions permutation;

    @Option(names = "--name-a", description = "model A's name (default: the sidecar's model, else the file name)")
    String nameA;

    @Option(names = "--name-b", description = "model B's name (default: the sidecar's model, else the file name)")
    String nameB;

    @Option(names = "--activations-a", paramLabel = "FILE", description = "model A's activations (cka only)")
    Path activationsA;

    @Option(names = "--activations-b", paramLabel = "FILE", description = "model B's activations (cka only)")
    Path activationsB;

    @Mixin
    ViewOption view;

    @Override
    public Integer call() throws IOException {
        SimilarityMetric chosen = SimilarityMetric.parse(metric);
        if (chosen == SimilarityMetric.CKA) return compareActivations();
        if (a == null || b == null) throw new IllegalArgumentException("--metric " + metric + " needs --a and --b (k-NN tables)");
        Optional<KnnSidecar> sidecarA = KnnSidecar.readBeside(a);
        Optional<KnnSidecar> sidecarB = KnnSidecar.readBeside(b);
        NeighbourTable tableA = NeighbourTable.read(a);
        NeighbourTable tableB = NeighbourTable.read(b);
        requireSamePrompts(tableA, sidecarA, tableB, sidecarB);
        int firstLayerNumber = 0;
        if (!keepEmbeddings) {
            tableA = tableA.withoutFirstLayer();
            tableB = tableB.withoutFirstLayer();
            firstLayerNumber = 1;
        }
        boolean withinModel = Files.isSameFile(a, b);
        String rowName = nameA != null ? nameA : modelName(a, sidecarA);
        String columnName = nameB != null ? nameB : modelName(b, sidecarB);

        double[][] matrix = NeighbourSimilarity.matrix(tableA, tableB, chosen);
        Comparison comparison = Comparison.of(matrix, rowName, columnName, tableA.labels(), tableB.labels(),
                firstLayerNumber, new Summary.Options(chosen, tableA.k(), tableA.n(), withinModel, permutation.resamples(), permutation.seed));
        ComparisonWriter.write(out, comparison);

        Summary s = comparison.summary();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s vs %s (%s, %d x %d): on-diagonal %.4f, off-diagonal %.4f, chance %.4f",
                rowName, columnName, chosen.cliName(), matrix.length, matrix[0].length,
                s.onDiagonalMean(), s.offDiagonalMean(), s.chance()));
        for (SimilarityStats.PermutationTest t : s.permutationTests()) {
            line.append(String.format(Locale.ROOT, ", p(B=%d) %s", t.blocks(),
                    Double.isNaN(t.pValue()) ? "n/a" : String.format(Locale.ROOT, "%.4f", t.pValue())));
        }
        spec.commandLine().getOut().println(line.append(" -> ").append(out));
        return 0;
    }

    /** Linear CKA computed from the stored vectors themselves, layer against layer. */
    private Integer compareActivations() throws IOException {
        if (activationsA == null || activationsB == null) {
            throw new IllegalArgumentException("--metric cka needs --activations-a and --activations-b");
        }
        LayerView.Kind kind = view.kind();
        try (ActivationsFile fileA = ActivationsFile.open(activationsA);
             ActivationsFile fileB = ActivationsFile.open(activationsB)) {
            String corpusA = fileA.metadata().corpusSha256();
            String corpusB = fileB.metadata().corpusSha256();
            if (corpusA != null && corpusB != null && !corpusA.equals(corpusB)) {
                throw new IllegalArgumentException("--activations-a and --activations-b come from different corpora: corpus_sha256 "
                        + corpusA + " vs " + corpusB);
            }
            LayerView viewA = LayerView.of(fileA, kind);
            LayerView viewB = LayerView.of(fileB, kind);
            viewA.requireFinite();
            viewB.requireFinite();
            if (viewA.rows() != viewB.rows()) {
                throw new IllegalArgumentException("--activations-a has " + viewA.rows() + " prompts, --activations-b "
                        + viewB.rows() + "; compare activations of the same prompts");
            }
            int first = keepEmbeddings ? 0 : 1;
            double[][] matrix = LinearCka.matrix(activations(viewA, first), activations(viewB, first));
            String rowName = nameA != null ? nameA : Objects.requireNonNullElse(fileA.metadata().model(), activationsA.getFileName().toString());
            String columnName = nameB != null ? nameB : Objects.requireNonNullElse(fileB.metadata().model(), activationsB.getFileName().toString());
            boolean withinModel = Files.isSameFile(activationsA, activationsB);
            Comparison comparison = Comparison.of(matrix, rowName, columnName,
                    viewA.names().subList(first, viewA.size()), viewB.names().subList(first, viewB.size()), first,
                    new Summary.Options(SimilarityMetric.CKA, 0, viewA.rows(), withinModel, permutation.resamples(), permutation.seed));
            ComparisonWriter.write(out, comparison);
            Summary s = comparison.summary();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s vs %s (cka, %d x %d): on-diagonal %.4f, off-diagonal %.4f -> %s%n",
                    rowName, columnName, matrix.length, matrix[0].length, s.onDiagonalMean(), s.offDiagonalMean(), out);
            return 0;
        }
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

    /** Two tables are comparable only on the same prompts: same n and k, and the same corpus when both record it. */
    static void requireSamePrompts(NeighbourTable tableA, Optional<KnnSidecar> sidecarA,
                                   NeighbourTable tableB, Optional<KnnSidecar> sidecarB) {
        if (tableA.n() != tableB.n() || tableA.k() != tableB.k()) {
            throw new IllegalArgumentException("--a has n=" + tableA.n() + ", k=" + tableA.k() + " but --b has n="
                    + tableB.n() + ", k=" + tableB.k() + "; compare tables built on the same prompts with the same k");
        }
        String corpusA = sidecarA.map(KnnSidecar::corpusSha256).orElse(null);
        String corpusB = sidecarB.map(KnnSidecar::corpusSha256).orElse(null);
        if (corpusA != null && corpusB != null && !corpusA.equals(corpusB)) {
            throw new IllegalArgumentException("--a and --b come from different corpora: corpus_sha256 " + corpusA
                    + " vs " + corpusB);
        }
    }

    private static String modelName(Path file, Optional<KnnSidecar> sidecar) {
        return sidecar.map(KnnSidecar::model).filter(m -> !m.isBlank())
                .orElseGet(() -> file.getFileName().toString().replaceFirst("\\.npy$", ""));
    }
}
