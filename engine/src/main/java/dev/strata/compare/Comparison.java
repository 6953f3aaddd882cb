package dev.strata.compare;

import java.util.List;

/**
 * One model-against-model result ready to write: the matrix, who its axes are, and its summary.
 *
 * @param rowLabels         one label per row (tensor names or "L1", ...), used in the CSV and JSON
 * @param firstLayerNumber  the layer number of row/column 0 (1 when the embeddings were dropped, else 0)
 */
public record Comparison(double[][] matrix, String nameA, String nameB, List<String> rowLabels,
                         List<String> columnLabels, int firstLayerNumber, Summary summary) {

    public Comparison {
        if (rowLabels.size() != matrix.length || columnLabels.size() != matrix[0].length) {
            throw new IllegalArgumentException(rowLabels.size() + " x " + columnLabels.size() + " labels for a "
                    + matrix.length + " x " + matrix[0].length + " matrix");
        }
    }

    /** Computes the summary of {@code matrix} and bundles it with the labels. */
    public static Comparison of(double[][] matrix, String nameA, String nameB, List<String> rowLabels,
                                List<String> columnLabels, int firstLayerNumber, Summary.Options options) {
        return new Comparison(matrix, nameA, nameB, rowLabels, columnLabels, firstLayerNumber,
                Summary.of(matrix, options));
    }
}
