package dev.strata.compare;

import static dev.strata.compare.SimilarityNeighbourTest.DISJOINT;
import static dev.strata.compare.SimilarityNeighbourTest.LAYER;
import static dev.strata.compare.SimilarityNeighbourTest.PARTIAL;
import static org.junit.jupiter.api.Assertions.*;

import dev.strata.io.Npy;
import dev.strata.knn.KnnSidecar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonsTest {
    @TempDir Path dir;

    /** A [3, 5, 2] table (LAYER, DISJOINT, PARTIAL) with a sidecar naming its model and corpus. */
    private Path table(String name, String corpus) throws IOException {
        int[] all = new int[30];
        System.arraycopy(LAYER, 0, all, 0, 10);
        System.arraycopy(DISJOINT, 0, all, 10, 10);
        System.arraycopy(PARTIAL, 0, all, 20, 10);
        Path file = dir.resolve(name + ".npy");
        Npy.writeInt32(file, all, 3, 5, 2);
        new KnnSidecar(List.of("layers.0", "layers.1", "final_norm"), "hf", 5, 2, 4, "a.safetensors", "00", corpus,
                name + ".gguf", "cpu").writeBeside(file);
        return file;
    }

    @Test
    void tablesAreNamedByTheirSidecarsAndLoseTheirEmbeddingsByDefault() throws IOException {
        Path a = table("a", "c1");
        Path b = table("b", "c1");
        Comparisons.Settings drop = new Comparisons.Settings(SimilarityMetric.MKNN, Comparisons.Embeddings.DROP, null,
                "named", 10, 1, 20);
        Comparison c = Comparisons.ofTables(a, b, drop);
        assertEquals("a.gguf", c.nameA());
        assertEquals("named", c.nameB());
        assertEquals(List.of("layers.1", "final_norm"), c.rowLabels());
        assertEquals(1, c.firstLayerNumber());
        assertEquals(1.0, c.matrix()[0][0], 1e-15, "DISJOINT against itself");
        assertFalse(c.summary().withinModel());
        assertEquals(20, c.calibration().permutations(), "calibrated with the shuffles asked for");

        Comparison kept = Comparisons.ofTables(a, a, new Comparisons.Settings(SimilarityMetric.JACCARD,
                Comparisons.Embeddings.KEEP, null, null, 10, 1, 0));
        assertEquals(3, kept.matrix().length);
        assertNull(kept.calibration(), "0 shuffles: no calibration");
        assertTrue(kept.summary().withinModel(), "the same file on both axes");

        List<Comparisons.IndexedPair> pairs = Comparisons.allPairs(List.of(a, b), List.of("A", "B"), 10, 1, 20);
        assertEquals(List.of("0-0", "0-1", "1-1"), pairs.stream().map(p -> p.i() + "-" + p.j()).toList());
        assertArrayEquals(c.matrix(), pairs.get(1).comparison().matrix());
    }

    @Test
    void tablesOfOtherPromptsAreRefusedWithTheCallersNames() throws IOException {
        Path a = table("a", "c1");
        Path b = table("b", "c2");
        Comparisons.Settings settings = new Comparisons.Settings(SimilarityMetric.MKNN, Comparisons.Embeddings.DROP,
                null, null, 10, 1, 0);
        InputsDifferException e = assertThrows(InputsDifferException.class, () -> Comparisons.ofTables(a, b, settings));
        assertEquals("A and B come from different corpora: corpus_sha256 c1 vs c2", e.getMessage());
        assertEquals("x and y come from different corpora: corpus_sha256 c1 vs c2", e.describe("x", "y"));
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
                () -> Comparisons.allPairs(List.of(a, b), List.of("A", "B"), 10, 1, 20));
        assertEquals(a + " and " + b + " come from different corpora: corpus_sha256 c1 vs c2", all.getMessage());
    }
}
