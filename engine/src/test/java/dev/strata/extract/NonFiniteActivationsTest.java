package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.gguf.GgufFile;
import dev.strata.io.SafetensorsReader;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.KnnRunner;
import dev.strata.knn.LayerView;
import dev.strata.results.StudyResult;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import dev.strata.study.SilentListener;
import dev.strata.study.Study;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose embedding row of one token is +Inf (a broken download, a bad converter) puts Inf into every vector of
 * the prompts holding that token. By default extraction stops before storing them, naming model, layer and prompt;
 * allowed, they are stored and counted; k-NN and a study refuse them with the same kind of message.
 */
class NonFiniteActivationsTest {
    /** One prompt per batch, so the Inf stays in the prompt that holds the token. */
    static final ExtractOptions ONE_PER_BATCH = new ExtractOptions(64, 64, 1, 2, 0);
    static final int WIDTH = 64;

    @TempDir Path tmp;
    Path model;
    Corpus corpus;
    int poisoned;

    @BeforeEach
    void poisonOneToken() throws IOException {
        Path prompts = tmp.resolve("prompts.txt");
        Files.write(prompts, ExtractorTest.PROMPTS);
        corpus = Corpus.load(prompts);
        model = tmp.resolve("poisoned.gguf");
        Files.copy(TestModels.tinyF32(), model);
        int token;
        try (LoadedModel loaded = LoadedModel.open(model, 0)) {
            poisoned = -1;
            token = -1;
            // The last token of the first prompt whose last token no other prompt holds.
            for (int p = 0; p < corpus.size() && poisoned < 0; p++) {
                int[] tokens = loaded.tokenize(corpus.get(p).text());
                int last = tokens[tokens.length - 1];
                Set<Integer> elsewhere = new HashSet<>();
                for (int q = 0; q < corpus.size(); q++) {
                    if (q != p) Arrays.stream(loaded.tokenize(corpus.get(q).text())).forEach(elsewhere::add);
                }
                if (!elsewhere.contains(last) && p > 0) {
                    poisoned = p;
                    token = last;
                }
            }
        }
        assertTrue(poisoned > 0, "some prompt after the first ends in a token of its own");
        long rowOffset;
        try (GgufFile gguf = GgufFile.open(model)) {
            GgufFile.TensorInfo embeddings = gguf.tensor("token_embd.weight").orElseThrow();
            assertEquals(WIDTH, embeddings.dims()[0]);
            rowOffset = gguf.dataOffset() + embeddings.offset() + (long) token * WIDTH * Float.BYTES;
        }
        ByteBuffer infinities = ByteBuffer.allocate(WIDTH * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (infinities.hasRemaining()) infinities.putFloat(Float.POSITIVE_INFINITY);
        try (RandomAccessFile file = new RandomAccessFile(model.toFile(), "rw")) {
            file.seek(rowOffset);
            file.write(infinities.array());
        }
    }

    @Test
    void byDefaultTheRunStopsBeforeStoringThemAndNamesModelLayerAndPrompt() throws IOException {
        Path out = tmp.resolve("out");
        NonFiniteActivationsException e = assertThrows(NonFiniteActivationsException.class,
                () -> new Extractor("test").run(model, corpus, out, ONE_PER_BATCH, IfExists.REFUSE, (d, t, k, s) -> {}));
        assertEquals("poisoned.gguf: " + WIDTH + " non-finite values (NaN or Inf) in layers.0 of prompt " + poisoned
                + " (id " + (poisoned + 1) + ", last pooling); " + WIDTH + " in layers.0 of prompts " + poisoned + ".."
                + poisoned + "; the run stopped before storing them", e.getMessage());
        Map<String, Object> checkpoint = JSON.std.mapFrom(Files.readString(out.resolve("checkpoint.json")));
        assertEquals(poisoned, checkpoint.get("promptsDone"), "the prompts before it stay checkpointed");
        assertFalse(Files.exists(out.resolve("manifest.json")));
        assertFalse(Files.exists(out.resolve(Pooling.LAST.fileName())));
    }

    @Test
    void allowedTheyAreStoredAndCountedThenKnnAndTheStudyRefuseThem() throws IOException {
        Path out = tmp.resolve("out");
        Extractor extractor = new Extractor("test");
        assertThrows(NonFiniteActivationsException.class,
                () -> extractor.run(model, corpus, out, ONE_PER_BATCH, IfExists.REFUSE, (d, t, k, s) -> {}));
        // The stopped run continues once they are allowed (from the start: its headers have no room for the counts).
        Extractor.Result result = extractor.run(model, corpus, out, ONE_PER_BATCH.withNonFiniteAllowed(true), IfExists.RESUME,
                (d, t, k, s) -> {});
        assertTrue(result.nonFiniteValues() >= 2 * WIDTH, "at least layers.0 of both poolings: " + result.nonFiniteValues());

        Map<String, Object> manifest = JSON.std.mapFrom(Files.readString(out.resolve("manifest.json")));
        Map<?, ?> counts = (Map<?, ?>) manifest.get("nonfinite_values");
        Map<?, ?> last = (Map<?, ?>) counts.get("last");
        assertEquals(WIDTH, last.get("layers.0"), "the Inf embedding row of one prompt: " + last);
        assertEquals(List.of("layers.0", "layers.1", "layers.2", "layers.3", "final_norm"), List.copyOf(last.keySet().stream()
                .map(String::valueOf).toList()));
        long total = 0;
        for (Object pooling : counts.values()) {
            for (Object count : ((Map<?, ?>) pooling).values()) total += ((Number) count).longValue();
        }
        assertEquals(result.nonFiniteValues(), total);
        try (SafetensorsReader reader = SafetensorsReader.open(out.resolve(Pooling.LAST.fileName()))) {
            assertEquals(last, JSON.std.mapFrom(reader.metadata().get("nonfinite_values")),
                    "the file's metadata holds the same counts");
            float[][] embeddings = reader.readMatrix("layers.0");
            for (int p = 0; p < corpus.size(); p++) {
                boolean finite = true;
                for (float v : embeddings[p]) finite &= Float.isFinite(v);
                assertEquals(p != poisoned, finite, "prompt " + p + " of layers.0");
            }
        }

        Path knn = tmp.resolve("knn.npy");
        IOException refused = assertThrows(IOException.class, () -> KnnRunner.run(out.resolve(Pooling.LAST.fileName()), knn,
                new KnnRunner.Options(2, LayerView.Kind.HF, KnnBackends.Device.CPU, 1, true),
                new PrintStream(new ByteArrayOutputStream())));
        assertEquals(out.resolve(Pooling.LAST.fileName()) + ": tensor 'layers.0' holds " + WIDTH
                + " non-finite values (NaN or Inf), " + WIDTH + " of them in row " + poisoned
                + "; k-NN and CKA need finite vectors", refused.getMessage());
        assertFalse(Files.exists(knn));

        Path study = tmp.resolve("study");
        Study.Options options = new Study.Options(Pooling.LAST, 2, 100, LayerView.Kind.HF, ONE_PER_BATCH.withNonFiniteAllowed(true),
                KnnBackends.Device.CPU, 1, Set.of(), 10, 1, "test", Study.OnModelError.STOP);
        NonFiniteActivationsException stopped = assertThrows(NonFiniteActivationsException.class,
                () -> Study.run(List.of(model), corpus, study, options, new Extractor("test"), new SilentListener()));
        assertTrue(stopped.getMessage().startsWith("poisoned: its activations hold "), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("layers.0: " + WIDTH), stopped.getMessage());
        assertTrue(Files.exists(study.resolve("models/poisoned/manifest.json")), "the extraction is kept");
        try (var files = Files.list(study.resolve("models/poisoned"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("knn")), "no k-NN was attempted");
        }

        // Asked to skip failing models, the study leaves it out, says why, and compares the others.
        Study.Options skipping = new Study.Options(Pooling.LAST, 2, 100, LayerView.Kind.HF, ONE_PER_BATCH.withNonFiniteAllowed(true),
                KnnBackends.Device.CPU, 1, Set.of(), 10, 1, "test", Study.OnModelError.SKIP);
        StudyResult withoutIt = Study.run(List.of(model, TestModels.tinyF32()), corpus, study, skipping, new Extractor("test"),
                new SilentListener());
        assertEquals(List.of("poisoned"), withoutIt.skipped().stream().map(s -> s.model().name()).toList());
        assertTrue(withoutIt.skipped().getFirst().reason().contains("non-finite values (NaN or Inf; layers.0: " + WIDTH),
                withoutIt.skipped().getFirst().reason());
        assertEquals(List.of("tiny-f32"), withoutIt.models().stream().map(m -> m.model().name()).toList());
        assertEquals(1, withoutIt.pairs().size(), "the remaining model against itself");
    }
}
