package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.chart.Heatmap;
import dev.strata.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareWriterTest {
    @TempDir Path dir;

    static Comparison sample() {
        double[][] m = {{0.9, 0.2, 0.1}, {0.5, 0.5, 0.8}};
        return Comparison.of(m, "tiny,a", "b", List.of("L1", "L2"), List.of("layers.0", "layers.1", "final_norm"), 1,
                new Summary.Options(SimilarityMetric.MKNN, 10, 101, false, 50, 3));
    }

    @Test
    void writesNpyCsvJsonAndPng() throws IOException {
        ComparisonWriter.write(dir, sample());

        Npy.Array npy = Npy.read(dir.resolve("similarity.npy"));
        assertEquals(Npy.DType.FLOAT64, npy.dtype());
        assertArrayEquals(new int[] {2, 3}, npy.shape());
        assertArrayEquals(new double[] {0.9, 0.2, 0.1, 0.5, 0.5, 0.8}, npy.doubles());

        assertEquals("""
                "tiny,a \\ b",layers.0,layers.1,final_norm
                L1,0.9,0.2,0.1
                L2,0.5,0.5,0.8
                """, Files.readString(dir.resolve("similarity.csv")));

        Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("summary.json")));
        assertEquals("mknn", json.get("metric"));
        assertEquals(0.1, ((Number) json.get("chance")).doubleValue(), 1e-15); // 10 / (101 - 1)
        // 2 x 3: on-diagonal cells (0,0), (0,1), (1,1), (1,2) = 0.9, 0.2, 0.5, 0.8; off: 0.1, 0.5.
        assertEquals(0.6, ((Number) json.get("on_diagonal_mean")).doubleValue(), 1e-15);
        assertEquals(0.3, ((Number) json.get("off_diagonal_mean")).doubleValue(), 1e-15);
        Map<?, ?> rows = (Map<?, ?>) json.get("argmax_rows");
        assertEquals(List.of(0, 2), rows.get("path"));
        assertEquals(List.of("layers.0", "final_norm"), rows.get("path_labels"));
        assertEquals(1.0, ((Number) rows.get("spearman")).doubleValue(), 1e-15);
        // Columns' argmax rows (0, 0, 1): Spearman of (1,2,3) vs ranks (1.5,1.5,3) = sqrt(3)/2.
        assertEquals(Math.sqrt(3) / 2, ((Number) ((Map<?, ?>) json.get("argmax_columns")).get("spearman")).doubleValue(), 1e-12);
        List<?> tests = (List<?>) ((Map<?, ?>) json.get("permutation_test")).get("tests");
        assertEquals(2, tests.size());
        Map<?, ?> five = (Map<?, ?>) tests.get(0);
        assertEquals(5, five.get("blocks"));
        assertEquals(50, five.get("resamples"));
        assertEquals(3, five.get("seed"));
        assertTrue(five.containsKey("p") && five.get("p") == null, "2 x 3 cannot be cut into 5 x 5 blocks: null");
        assertEquals(2, ((List<?>) json.get("row_maxima")).size());
        assertEquals(List.of("L1", "L2"), json.get("row_labels"));
        assertEquals("tiny,a", json.get("model_a"));
        assertFalse(((List<?>) ((Map<?, ?>) json.get("decay")).get("points")).isEmpty());

        BufferedImage png = ImageIO.read(dir.resolve("heatmap.png").toFile());
        assertEquals(Heatmap.WIDTH, png.getWidth());
        assertEquals(Heatmap.HEIGHT, png.getHeight());
        try (var leftovers = Files.list(dir)) {
            assertEquals(4, leftovers.count(), "no temporary files left behind");
        }
    }

    @Test
    void aCalibratedComparisonWritesItsCalibrationBesideTheRawNumbers() throws IOException {
        Comparison raw = sample();
        double[][][] nulls = {{{0.1, 0.2, 0.1}, {0.1, 0.1, 0.2}}, {{0.2, 0.1, 0.1}, {0.2, 0.1, 0.1}}};
        Calibration calibration = PermutationNull.calibrate(raw.matrix(), nulls, 3);
        ComparisonWriter.write(dir, new Comparison(raw.matrix(), raw.nameA(), raw.nameB(), raw.rowLabels(),
                raw.columnLabels(), raw.firstLayerNumber(), raw.summary(), calibration));

        Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("summary.json")));
        assertEquals(0.6, ((Number) json.get("on_diagonal_mean")).doubleValue(), 1e-15, "the raw numbers stay");
        Map<?, ?> block = (Map<?, ?>) json.get("calibration");
        assertEquals(2, block.get("permutations"));
        assertEquals(6, block.get("cells"));
        Map<?, ?> on = (Map<?, ?>) block.get("on_diagonal_mean");
        assertEquals(0.6, ((Number) on.get("raw")).doubleValue(), 1e-15);
        assertEquals(calibration.onDiagonal().p(), ((Number) on.get("p")).doubleValue(), 1e-15);
        assertEquals(1.0 / 3, calibration.onDiagonal().p(), 1e-15, "neither shuffle reaches 0.6");
        assertEquals(calibration.maximum().nullMean(), ((Number) ((Map<?, ?>) block.get("max")).get("null_mean"))
                .doubleValue(), 1e-15);
        Npy.Array calibrated = Npy.read(dir.resolve(ComparisonWriter.CALIBRATED_NPY));
        assertArrayEquals(new int[] {2, 3}, calibrated.shape());
        assertEquals(calibration.calibrated()[1][2], calibrated.doubles()[5], 1e-15);
        assertArrayEquals(new int[] {2, 3}, Npy.read(dir.resolve(ComparisonWriter.P_FAMILYWISE_NPY)).shape());
    }

    @Test
    void undefinedSpearmanIsNullInJson() throws IOException {
        double[][] flat = {{0.5, 0.5}, {0.5, 0.5}};
        Comparison c = Comparison.of(flat, "a", "a", List.of("L1", "L2"), List.of("L1", "L2"), 1,
                new Summary.Options(SimilarityMetric.JACCARD, 2, 5, true, 10, 1));
        Map<String, Object> json = ComparisonWriter.summaryJson(c);
        assertNull(((Map<?, ?>) json.get("argmax_rows")).get("spearman"));
        assertEquals(true, json.get("within_model"));
    }
}
