package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import dev.strata.io.Npy;
import dev.strata.knn.KnnSidecar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimilarityNeighbourTest {
    @TempDir Path dir;

    // n = 5 prompts, k = 2. A has one layer; B repeats it, then a disjoint layer, then a partial one.
    static final int[] LAYER = {1, 2, /**/ 0, 2, /**/ 3, 0, /**/ 4, 1, /**/ 3, 2};
    static final int[] DISJOINT = {3, 4, /**/ 3, 4, /**/ 1, 4, /**/ 0, 2, /**/ 0, 1};
    // Overlaps with LAYER per prompt: 1, 2 (same order), 2 (reversed order), 1, 0.
    static final int[] PARTIAL = {2, 3, /**/ 0, 2, /**/ 0, 3, /**/ 0, 1, /**/ 0, 1};

    static NeighbourTable a() {
        return NeighbourTable.of(1, 5, 2, LAYER.clone());
    }

    static NeighbourTable b() {
        int[] all = new int[30];
        System.arraycopy(LAYER, 0, all, 0, 10);
        System.arraycopy(DISJOINT, 0, all, 10, 10);
        System.arraycopy(PARTIAL, 0, all, 20, 10);
        return NeighbourTable.of(3, 5, 2, all);
    }

    @Test
    void mutualKnnIsOneForIdenticalZeroForDisjointAndMeanOverlapShareOtherwise() {
        double[][] m = NeighbourSimilarity.matrix(a(), b(), SimilarityMetric.MKNN);
        // Partial: (1/2 + 1 + 1 + 1/2 + 0) / 5 = 0.6; order inside a neighbour list does not matter.
        assertArrayEquals(new double[] {1, 0, 0.6}, m[0], 1e-15);
    }

    @Test
    void jaccardDividesOverlapByUnion() {
        double[][] m = NeighbourSimilarity.matrix(a(), b(), SimilarityMetric.JACCARD);
        // Overlap 1 of two 2-sets: 1/3; overlap 2: 1. Partial: (1/3 + 1 + 1 + 1/3 + 0) / 5 = 8/15.
        assertArrayEquals(new double[] {1, 0, 8.0 / 15}, m[0], 1e-15);
    }

    @Test
    void allPairsCoversSelfPairsAndMatchesSinglePairs() {
        List<NeighbourSimilarity.PairMatrix> pairs = NeighbourSimilarity.allPairs(List.of(a(), b()), SimilarityMetric.MKNN);
        assertEquals(3, pairs.size());
        assertEquals(List.of(0, 0, 1), pairs.stream().map(NeighbourSimilarity.PairMatrix::i).toList());
        assertEquals(List.of(0, 1, 1), pairs.stream().map(NeighbourSimilarity.PairMatrix::j).toList());
        assertArrayEquals(new double[] {1}, pairs.get(0).matrix()[0]);
        assertArrayEquals(new double[] {1, 0, 0.6}, pairs.get(1).matrix()[0], 1e-15);
        double[][] within = pairs.get(2).matrix();
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, within[i][i], 1e-15, "a layer against itself");
            for (int j = 0; j < 3; j++) assertEquals(within[i][j], within[j][i], 1e-15, "M is symmetric");
        }
        assertEquals(0.6, within[0][2], 1e-15);
        assertEquals(0.0, within[0][1], 1e-15);
    }

    @Test
    void refusesTablesOfDifferentPromptCountsOrK() {
        NeighbourTable other = NeighbourTable.of(1, 6, 2, new int[12]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> NeighbourSimilarity.matrix(a(), other, SimilarityMetric.MKNN));
        assertTrue(e.getMessage().contains("n=5, k=2 vs n=6, k=2"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> NeighbourSimilarity.matrix(a(), a(), SimilarityMetric.CKA));
    }

    @Test
    void readsNpyWithSidecarLabelsAndDropsTheEmbeddingLayer() throws IOException {
        Path file = dir.resolve("knn.npy");
        Npy.writeInt32(file, b().neighbours(), 3, 5, 2);
        AtomicFile.writeString(KnnSidecar.pathFor(file), JSON.std.asString(Map.of(
                "layers", List.of("embd", "layers.0", "final_norm"), "k", 2, "n", 5, "view", "hf",
                "corpus_sha256", "abc", "model", "tiny")));
        NeighbourTable table = NeighbourTable.read(file);
        assertEquals(List.of("embd", "layers.0", "final_norm"), table.labels());
        NeighbourTable dropped = table.withoutFirstLayer();
        assertEquals(2, dropped.layers());
        assertEquals(List.of("layers.0", "final_norm"), dropped.labels());
        assertArrayEquals(DISJOINT, java.util.Arrays.copyOf(dropped.neighbours(), 10));
        assertEquals("abc", KnnSidecar.readBeside(file).orElseThrow().corpusSha256());

        Path bare = dir.resolve("bare.npy");
        Npy.writeInt32(bare, LAYER, 1, 5, 2);
        assertEquals(List.of("L0"), NeighbourTable.read(bare).labels());
        assertTrue(KnnSidecar.readBeside(bare).isEmpty());
    }

    @Test
    void rejectsAPromptListedAsItsOwnNeighbour() throws IOException {
        Path file = dir.resolve("self.npy");
        int[] bad = LAYER.clone();
        bad[2] = 1; // prompt 1 lists itself
        Npy.writeInt32(file, bad, 1, 5, 2);
        IOException e = assertThrows(IOException.class, () -> NeighbourTable.read(file));
        assertTrue(e.getMessage().contains("prompt 1 lists neighbour 1 (itself)"), e.getMessage());
    }
}
