package dev.strata.compare;

import dev.strata.io.Npy;
import dev.strata.knn.KnnSidecar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The k nearest neighbours of every prompt at every layer of one model: {@code neighbours} holds
 * [layers, n, k] in C order, row (l, t) listing t's neighbours at layer l, most similar first.
 *
 * @param labels one display label per layer (tensor names from the sidecar, else "L0", "L1", ...)
 */
public record NeighbourTable(int layers, int n, int k, int[] neighbours, List<String> labels) {

    public NeighbourTable {
        if (layers < 1 || n < 2 || k < 1 || k > n - 1) {
            throw new IllegalArgumentException("need layers >= 1, n >= 2 and 1 <= k <= n-1; got layers=" + layers
                    + ", n=" + n + ", k=" + k);
        }
        if ((long) layers * n * k != neighbours.length) {
            throw new IllegalArgumentException("[" + layers + ", " + n + ", " + k + "] does not match "
                    + neighbours.length + " entries");
        }
        if (labels.size() != layers) {
            throw new IllegalArgumentException(labels.size() + " labels for " + layers + " layers");
        }
        labels = List.copyOf(labels);
    }

    /** A table labelled "L0".."L{layers-1}". */
    public static NeighbourTable of(int layers, int n, int k, int[] neighbours) {
        return new NeighbourTable(layers, n, k, neighbours, indexLabels(0, layers));
    }

    /** Reads an int32 .npy of shape [layers, n, k], taking layer labels from its sidecar when there is one. */
    public static NeighbourTable read(Path knnFile) throws IOException {
        Npy.Array array = Npy.read(knnFile);
        if (array.dtype() != Npy.DType.INT32 || array.shape().length != 3) {
            throw new IOException(knnFile + ": expected an int32 array [layers, n, k], got " + array.dtype()
                    + " " + Arrays.toString(array.shape()));
        }
        int layers = array.shape()[0];
        int n = array.shape()[1];
        int k = array.shape()[2];
        Optional<KnnSidecar> sidecar = KnnSidecar.readBeside(knnFile);
        List<String> labels = indexLabels(0, layers);
        if (sidecar.isPresent()) {
            KnnSidecar s = sidecar.get();
            if ((s.k() != null && s.k() != k) || (s.n() != null && s.n() != n)) {
                throw new IOException(KnnSidecar.pathFor(knnFile) + ": says n=" + s.n() + ", k=" + s.k()
                        + " but the array is [" + layers + ", " + n + ", " + k + "]");
            }
            if (s.layers() != null) {
                if (s.layers().size() != layers) {
                    throw new IOException(KnnSidecar.pathFor(knnFile) + ": names " + s.layers().size()
                            + " layers but the array has " + layers);
                }
                labels = s.layers();
            }
        }
        NeighbourTable table = new NeighbourTable(layers, n, k, array.ints(), labels);
        table.validate(knnFile.toString());
        return table;
    }

    /** Checks that every entry is a prompt index in [0, n) other than the row's own prompt. */
    void validate(String source) throws IOException {
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < n; t++) {
                int base = (l * n + t) * k;
                for (int q = 0; q < k; q++) {
                    int v = neighbours[base + q];
                    if (v < 0 || v >= n || v == t) {
                        throw new IOException(source + ": layer " + l + ", prompt " + t + " lists neighbour " + v
                                + (v == t ? " (itself)" : " (outside 0.." + (n - 1) + ")"));
                    }
                }
            }
        }
    }

    /** This table without its first layer (the embeddings, h_0, which the analyses leave out). */
    public NeighbourTable withoutFirstLayer() {
        if (layers < 2) throw new IllegalArgumentException("cannot drop the only layer");
        int stride = n * k;
        return new NeighbourTable(layers - 1, n, k, Arrays.copyOfRange(neighbours, stride, neighbours.length),
                labels.subList(1, layers));
    }

    /**
     * The first {@code smallerK} neighbours of every list: because lists are sorted (most similar first, ties to the
     * lower index), exactly the table a k-NN pass at {@code smallerK} gives.
     */
    public NeighbourTable firstNeighbours(int smallerK) {
        if (smallerK < 1 || smallerK > k) throw new IllegalArgumentException("need 1 <= k <= " + k + ", got " + smallerK);
        if (smallerK == k) return this;
        int[] prefix = new int[layers * n * smallerK];
        for (int row = 0; row < layers * n; row++) System.arraycopy(neighbours, row * k, prefix, row * smallerK, smallerK);
        return new NeighbourTable(layers, n, smallerK, prefix, labels);
    }

    /** "L{first}", "L{first+1}", ... for {@code count} layers. */
    public static List<String> indexLabels(int first, int count) {
        List<String> labels = new ArrayList<>(count);
        for (int l = 0; l < count; l++) labels.add("L" + (first + l));
        return labels;
    }
}
