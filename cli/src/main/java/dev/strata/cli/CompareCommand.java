package dev.strata.cli;

import dev.strata.compare.Comparison;
import dev.strata.compare.ComparisonWriter;
import dev.strata.compare.Comparisons;
import dev.strata.compare.InputsDifferException;
import dev.strata.compare.SimilarityMetric;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
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
    SimilarityMetric metric;

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
        Comparisons.Settings settings = new Comparisons.Settings(metric,
                keepEmbeddings ? Comparisons.Embeddings.KEEP : Comparisons.Embeddings.DROP, nameA, nameB,
                permutation.resamples(), permutation.seed, permutation.nullPermutations());
        if (metric == SimilarityMetric.CKA) return compareActivations(settings);
        if (a == null || b == null) throw new IllegalArgumentException("--metric " + metric.cliName() + " needs --a and --b (k-NN tables)");
        Comparison comparison;
        try {
            comparison = Comparisons.ofTables(a, b, settings);
        } catch (InputsDifferException e) {
            throw new IllegalArgumentException(e.describe("--a", "--b"), e);
        }
        ComparisonWriter.write(out, comparison);

        Summary s = comparison.summary();
        double[][] matrix = comparison.matrix();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s vs %s (%s, %d x %d): on-diagonal %.4f, off-diagonal %.4f, chance %.4f",
                comparison.nameA(), comparison.nameB(), metric.cliName(), matrix.length, matrix[0].length,
                s.onDiagonalMean(), s.offDiagonalMean(), s.chance()));
        for (SimilarityStats.PermutationTest t : s.permutationTests()) {
            line.append(String.format(Locale.ROOT, ", p(B=%d) %s", t.blocks(),
                    Double.isNaN(t.pValue()) ? "n/a" : String.format(Locale.ROOT, "%.4f", t.pValue())));
        }
        spec.commandLine().getOut().println(line.append(" -> ").append(out));
        return 0;
    }

    /** Linear CKA computed from the stored vectors themselves, layer against layer. */
    private Integer compareActivations(Comparisons.Settings settings) throws IOException {
        if (activationsA == null || activationsB == null) {
            throw new IllegalArgumentException("--metric cka needs --activations-a and --activations-b");
        }
        Comparison comparison;
        try {
            comparison = Comparisons.ofActivations(activationsA, activationsB, view.kind, settings);
        } catch (InputsDifferException e) {
            throw new IllegalArgumentException(e.describe("--activations-a", "--activations-b"), e);
        }
        ComparisonWriter.write(out, comparison);
        Summary s = comparison.summary();
        double[][] matrix = comparison.matrix();
        spec.commandLine().getOut().printf(Locale.ROOT, "%s vs %s (cka, %d x %d): on-diagonal %.4f, off-diagonal %.4f -> %s%n",
                comparison.nameA(), comparison.nameB(), matrix.length, matrix[0].length, s.onDiagonalMean(),
                s.offDiagonalMean(), out);
        return 0;
    }
}
