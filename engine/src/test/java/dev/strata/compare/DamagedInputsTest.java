package dev.strata.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.LayerView;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Activations and k-NN files as a user may hand them over: cut short, edited, from another corpus or k. Each is
 * refused with one line naming the file and what is wrong, and nothing is written. The files are real: a model run
 * by llama.cpp over prompts of the default corpus.
 */
class DamagedInputsTest {
    static final int PROMPTS = 12;

    @TempDir static Path tmp;
    static Path activations;
    static Path otherCorpusActivations;
    static Path knn3;
    static Path knn4;
    static Path otherCorpusKnn3;

    @BeforeAll
    static void extractTwoCorporaAndTheirNeighbours() throws IOException {
        Path model = tmp.resolve("m.gguf");
        RandomLlamaModel.builder().vocabularyFrom(Path.of(System.getProperty("strata.llama.src"), "models",
                "ggml-vocab-llama-spm.gguf")).blocks(2).width(32).heads(4).kvHeads(2).ffnWidth(64).seed(5)
                .weightType(GgmlType.F32).write(model);
        List<String> texts = defaultCorpus().prompts().stream().limit(2 * PROMPTS)
                .map(p -> p.text().replace('\n', ' ')).toList();
        Path first = tmp.resolve("first.txt");
        Path second = tmp.resolve("second.txt");
        Files.write(first, texts.subList(0, PROMPTS));
        Files.write(second, texts.subList(PROMPTS, 2 * PROMPTS));
        ExtractOptions options = new ExtractOptions(32, 128, 4, 2, 0).withPoolings(EnumSet.of(Pooling.LAST));
        Extractor extractor = new Extractor("test");
        extractor.run(model, Corpus.load(first), tmp.resolve("a"), options, IfExists.REFUSE, (d, t, k, s) -> {});
        extractor.run(model, Corpus.load(second), tmp.resolve("b"), options, IfExists.REFUSE, (d, t, k, s) -> {});
        activations = tmp.resolve("a").resolve(Pooling.LAST.fileName());
        otherCorpusActivations = tmp.resolve("b").resolve(Pooling.LAST.fileName());
        knn3 = knn(activations, 3, "a3.npy");
        knn4 = knn(activations, 4, "a4.npy");
        otherCorpusKnn3 = knn(otherCorpusActivations, 3, "b3.npy");
    }

    static Corpus defaultCorpus() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("build/corpus"))) dir = dir.getParent();
        org.junit.jupiter.api.Assumptions.assumeTrue(dir != null && Files.isRegularFile(dir.resolve("build/corpus/default.jsonl")),
                "the default corpus is not built (make corpus)");
        return Corpus.load(dir.resolve("build/corpus/default.jsonl"));
    }

    static Path knn(Path acts, int k, String name) throws IOException {
        Path out = tmp.resolve(name);
        KnnRunner.run(acts, out, new KnnRunner.Options(k, LayerView.Kind.HF, KnnBackends.Device.CPU, 1, true),
                new PrintStream(new ByteArrayOutputStream()));
        return out;
    }

    /** The k-NN step's refusal of {@code file}; it must leave no output behind. */
    static String knnRefusal(Path file) {
        Path out = tmp.resolve("refused.npy");
        IOException e = assertThrows(IOException.class, () -> knn(file, 3, out.getFileName().toString()));
        assertFalse(Files.exists(out), "nothing written for " + file);
        return e.getMessage();
    }

    /** A copy of the activations with {@code from} replaced by {@code to} (same length) in its JSON header. */
    static Path editedHeader(String name, String from, String to) throws IOException {
        byte[] bytes = Files.readAllBytes(activations);
        byte[] needle = from.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, needle);
        assertTrue(at > 0 && from.length() == to.length(), from + " is in the header");
        System.arraycopy(to.getBytes(StandardCharsets.UTF_8), 0, bytes, at, needle.length);
        Path copy = tmp.resolve(name);
        Files.write(copy, bytes);
        return copy;
    }

    @Test
    void aTruncatedActivationsFileIsRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(activations);
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
        String message = knnRefusal(cut);
        assertTrue(message.startsWith(cut + ": tensor 'final_norm' bytes ["), message);
        assertTrue(message.endsWith("lie outside the " + (bytes.length - 100 - headerEnd(bytes)) + "-byte data section"), message);
        Path header = tmp.resolve("header-only.safetensors");
        Files.write(header, Arrays.copyOf(bytes, 5));
        assertEquals(header + ": is 5 bytes, too short for a safetensors header", knnRefusal(header));
    }

    @Test
    void aTensorOfAnotherDtypeOrAMissingTensorIsRefused() throws IOException {
        Path ints = editedHeader("ints.safetensors", "\"layers.1\":{\"dtype\":\"F32\"", "\"layers.1\":{\"dtype\":\"I32\"");
        assertEquals(ints + ": tensor 'layers.1' has dtype I32, expected F32, F16, BF16 or F64", knnRefusal(ints));
        Path missing = editedHeader("missing.safetensors", "\"layers.1\"", "\"layerz.1\"");
        assertEquals(missing + ": layers.0 .. layers.2 expected, missing layers.1", knnRefusal(missing));
        Path noNorm = editedHeader("no-norm.safetensors", "\"final_norm\"", "\"final_form\"");
        assertEquals(noNorm + ": has no 'final_norm' tensor", knnRefusal(noNorm));
    }

    @Test
    void activationsOfOtherPromptsAreNotComparedByCka() {
        Comparisons.Settings cka = new Comparisons.Settings(SimilarityMetric.CKA, Comparisons.Embeddings.DROP, null, null, 10, 1, 0);
        InputsDifferException e = assertThrows(InputsDifferException.class,
                () -> Comparisons.ofActivations(activations, otherCorpusActivations, LayerView.Kind.HF, cka));
        assertTrue(e.describe("--activations-a", "--activations-b")
                .startsWith("--activations-a and --activations-b come from different corpora: corpus_sha256 "), e.getMessage());
    }

    @Test
    void neighbourTablesOfAnotherKOrCorpusAreNotCompared() throws IOException {
        Comparisons.Settings mknn = new Comparisons.Settings(SimilarityMetric.MKNN, Comparisons.Embeddings.DROP, null, null, 10, 1, 0);
        InputsDifferException k = assertThrows(InputsDifferException.class, () -> Comparisons.ofTables(knn3, knn4, mknn));
        assertEquals("--a has n=12, k=3 but --b has n=12, k=4; compare tables built on the same prompts with the same k",
                k.describe("--a", "--b"));
        InputsDifferException corpus = assertThrows(InputsDifferException.class,
                () -> Comparisons.ofTables(knn3, otherCorpusKnn3, mknn));
        assertTrue(corpus.describe("--a", "--b").startsWith("--a and --b come from different corpora"), corpus.getMessage());
        IllegalArgumentException study = assertThrows(IllegalArgumentException.class,
                () -> Comparisons.allPairs(List.of(knn3, otherCorpusKnn3), List.of("a", "b"), 10, 1, 0));
        assertTrue(study.getMessage().startsWith(knn3 + " and " + otherCorpusKnn3 + " come from different corpora"),
                study.getMessage());
        Path cut = tmp.resolve("cut.npy");
        byte[] bytes = Files.readAllBytes(knn3);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 4));
        IOException truncated = assertThrows(IOException.class, () -> Comparisons.ofTables(cut, knn3, mknn));
        assertTrue(truncated.getMessage().startsWith(cut + ": holds "), truncated.getMessage());
    }

    private static int headerEnd(byte[] bytes) {
        long length = 0;
        for (int i = 7; i >= 0; i--) length = (length << 8) | (bytes[i] & 0xff);
        return (int) (8 + length);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
