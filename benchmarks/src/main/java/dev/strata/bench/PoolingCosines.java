package dev.strata.bench;

import dev.strata.io.SafetensorsReader;
import dev.strata.store.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How much of the mean pooling is the first token, for {@code pooling_first_token.sh}: for every block output
 * ({@code layers.1} .. {@code layers.L}) the median over prompts of the cosine between the first token's vector and
 * the mean, and between the first token's vector and the mean without the first token; prints one markdown table row
 * of the medians over blocks (with their range).
 *
 * <p>Usage: {@code PoolingCosines NAME ALL_DIR FIRST_DIR}: ALL_DIR holds an extraction with the mean and
 * mean-skip-first poolings, FIRST_DIR one of the same prompts cut to one token (its last-token file: the first token).
 */
public final class PoolingCosines {
    private PoolingCosines() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        Path all = Path.of(args[1]);
        Path first = Path.of(args[2]);
        List<Double> withFirst = new ArrayList<>();
        List<Double> withoutFirst = new ArrayList<>();
        String skipped;
        try (SafetensorsReader mean = SafetensorsReader.open(all.resolve(Pooling.MEAN.fileName()));
             SafetensorsReader skipFirst = SafetensorsReader.open(all.resolve(Pooling.MEAN_SKIP_FIRST.fileName()));
             SafetensorsReader firstToken = SafetensorsReader.open(first.resolve(Pooling.LAST.fileName()))) {
            skipped = skipFirst.metadata().get("skipped_positions");
            for (int layer = 1; firstToken.has("layers." + layer); layer++) {
                String tensor = "layers." + layer;
                float[][] f = firstToken.readMatrix(tensor);
                withFirst.add(medianCosine(f, mean.readMatrix(tensor)));
                withoutFirst.add(medianCosine(f, skipFirst.readMatrix(tensor)));
            }
        }
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", name, skipped, summary(withFirst), summary(withoutFirst));
    }

    private static double medianCosine(float[][] a, float[][] b) {
        double[] cosines = new double[a.length];
        for (int p = 0; p < a.length; p++) {
            double dot = 0, na = 0, nb = 0;
            for (int d = 0; d < a[p].length; d++) {
                dot += (double) a[p][d] * b[p][d];
                na += (double) a[p][d] * a[p][d];
                nb += (double) b[p][d] * b[p][d];
            }
            cosines[p] = dot / Math.sqrt(na * nb);
        }
        return median(cosines);
    }

    /** "median (min .. max)" over blocks. */
    private static String summary(List<Double> perBlock) {
        double[] values = perBlock.stream().mapToDouble(Double::doubleValue).toArray();
        return String.format(Locale.ROOT, "%.4f (%.4f .. %.4f)", median(values),
                Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).max().orElseThrow());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
