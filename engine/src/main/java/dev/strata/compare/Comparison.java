package dev.strata.compare;

import java.util.List;

/**
 * One model-against-model result ready to write: the matrix, who its axes are, and its summary.
 *
 * @param rowLabels         one label per row (tensor names or "L1", ...), used in the CSV and JSON
 * @param firstLayerNumber  the layer number of row/column 0 (1 when the embeddings were dropped, else 0)
 * @param calibration       the matrix against its permutation null; null when no shuffles were asked for
 */
public record Comparison(double[][] matrix, String nameA, String nameB, List<String> rowLabels,
                         List<String> columnLabels, int firstLayerNumber, Summary summary, Calibration calibration) {

    public Comparison {
        if (rowLabels.size() != matrix.length || columnLabels.size() != matrix[0].length) {
            throw new IllegalArgumentException(rowLabels.size() + " x " + columnLabels.size() + " labels for a "
                    + matrix.length + " x " + matrix[0].length + " matrix");
        }
    }

    /** Computes the summary of {@code matrix} and bundles it with the labels; no calibration. */
    public static Comparison of(double[][] matrix, String nameA, String nameB, List<String> rowLabels,
                                List<String> columnLabels, int firstLayerNumber, Summary.Options options) {
        return of(matrix, nameA, nameB, rowLabels, columnLabels, firstLayerNumber, options, null);
    }

    /** Computes the summary of {@code matrix} and bundles it with the labels and its calibration (null for none). */
    public static Comparison of(double[][] matrix, String nameA, String nameB, List<String> rowLabels,
                                List<String> columnLabels, int firstLayerNumber, Summary.Options options,
                                Calibration calibration) {
        return new Comparison(matrix, nameA, nameB, rowLabels, columnLabels, firstLayerNumber,
                Summary.of(matrix, options), calibration);
    }
}
