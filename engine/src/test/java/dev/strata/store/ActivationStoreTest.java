package dev.strata.store;

import static dev.strata.store.StoreFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationStoreTest {
    @TempDir Path tmp;

    @Test
    void everyFloatLiesWhereTheHeaderSays() throws Exception {
        Path dir = tmp.resolve("run");
        writeRun(dir, 5, RowBatch.Layout.PROMPT_MAJOR);

        for (Pooling pooling : Pooling.values()) {
            Path file = dir.resolve(pooling.fileName());
            Safetensors st = Safetensors.read(file);
            assertEquals(0, st.headerSize() % 8, "header padded to a multiple of 8");
            assertEquals(List.of("layers.0", "layers.1", "layers.2", "final_norm"), st.tensorNames());
            assertEquals(Map.of("strata.model", "tiny \"test\" model", "strata.version", "0.1.0", "pooling", pooling.label()),
                    st.header().get("__metadata__"), "the caller's metadata plus the file's pooling");
            long tensorBytes = (long) PROMPTS * WIDTH * Float.BYTES;
            for (int t = 0; t < TENSORS; t++) {
                Map<String, Object> entry = st.entry(st.tensorNames().get(t));
                assertEquals("F32", entry.get("dtype"));
                assertEquals(List.of(PROMPTS, WIDTH), entry.get("shape"));
                assertEquals(List.of(t * tensorBytes, (t + 1) * tensorBytes),
                        ((List<?>) entry.get("data_offsets")).stream().map(o -> ((Number) o).longValue()).toList());
            }
            assertEquals(TENSORS * tensorBytes, st.data().capacity(), "data section is exactly the tensors");
            for (int t = 0; t < TENSORS; t++) {
                for (int p = 0; p < PROMPTS; p++) {
                    for (int d = 0; d < WIDTH; d++) {
                        assertEquals(value(pooling, p, t, d), st.get(st.tensorNames().get(t), p, d),
                                pooling + " tensor " + t + " prompt " + p + " dim " + d);
                    }
                }
            }
        }

        List<String> prompts = Files.readAllLines(dir.resolve(ActivationStore.PROMPTS));
        assertEquals(PROMPTS, prompts.size());
        assertEquals("{\"index\":0,\"id\":\"p1\",\"tokens\":1,\"truncated\":true}", prompts.get(0));
        assertEquals("{\"index\":36,\"id\":\"p37\",\"tokens\":1,\"truncated\":false}", prompts.get(36));

        Map<String, Object> manifest = JSON.std.mapFrom(Files.readString(dir.resolve(ActivationStore.MANIFEST)));
        assertEquals(FINGERPRINT, StoreFingerprint.fromJson((Map<?, ?>) manifest.get("fingerprint")));
        assertEquals(Map.of("seconds", 1.25), manifest.get("run"));
        try (var left = Files.list(dir)) {
            assertEquals(List.of("activations-last.safetensors", "activations-mean-skip-first.safetensors",
                    "activations-mean.safetensors", "manifest.json", "prompts.jsonl"),
                    left.map(p -> p.getFileName().toString()).sorted().toList(), "no checkpoint or partial files remain");
        }
    }

    @Test
    void aLastOnlyRunWritesOneFileWithTheSameBytes() throws Exception {
        writeRun(tmp.resolve("both"), 5, RowBatch.Layout.PROMPT_MAJOR);
        Path dir = tmp.resolve("last");
        StoreFingerprint lastOnly = new StoreFingerprint(FINGERPRINT.modelSha256(), FINGERPRINT.corpusSha256(),
                FINGERPRINT.options(), PROMPTS, WIDTH, TENSORS, java.util.EnumSet.of(Pooling.LAST));
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.create(dir, lastOnly, METADATA, IfExists.REFUSE)) {
            appendRest(store, batch);
            store.finish(IDS, Map.of());
        }
        try (var left = Files.list(dir)) {
            assertEquals(List.of("activations-last.safetensors", "manifest.json", "prompts.jsonl"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String name = Pooling.LAST.fileName();
        assertArrayEquals(Files.readAllBytes(tmp.resolve("both").resolve(name)), Files.readAllBytes(dir.resolve(name)));
        Map<String, Object> manifest = JSON.std.mapFrom(Files.readString(dir.resolve(ActivationStore.MANIFEST)));
        assertEquals(Map.of("last", name, "prompts", "prompts.jsonl"), manifest.get("files"));
        assertEquals(lastOnly, StoreFingerprint.fromJson((Map<?, ?>) manifest.get("fingerprint")));
    }

    @Test
    void aFingerprintSavedBeforePoolingsWereRecordedMeansThePapersTwo() {
        Map<String, Object> json = new java.util.HashMap<>(FINGERPRINT.toJson());
        json.remove("poolings");
        assertEquals(Pooling.PAPER, StoreFingerprint.fromJson(json).poolings());
    }

    @Test
    void bytesDoNotDependOnBatchSizeOrLayout() throws Exception {
        writeRun(tmp.resolve("by5"), 5, RowBatch.Layout.PROMPT_MAJOR);
        writeRun(tmp.resolve("by7"), 7, RowBatch.Layout.TENSOR_MAJOR);
        writeRun(tmp.resolve("all"), PROMPTS, RowBatch.Layout.TENSOR_MAJOR);
        assertSameFiles(tmp.resolve("by5"), tmp.resolve("by7"));
        assertSameFiles(tmp.resolve("by5"), tmp.resolve("all"));
    }

    @Test
    void abandonedRunResumesToTheSameBytes() throws Exception {
        writeRun(tmp.resolve("reference"), 5, RowBatch.Layout.PROMPT_MAJOR);
        Path dir = tmp.resolve("crashed");
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR)) {
            ActivationStore first = ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE);
            for (int b = 0; b < 3; b++) {
                fill(batch, b * 5, 5, Float.NaN);
                first.append(b * 5, 5, batch);
                first.checkpoint();
            }
            // A fourth batch reaches the file but not the checkpoint: its rows must be written again.
            fill(batch, 15, 5, 12345f);
            first.append(15, 5, batch);
            // Abandoned: neither finished nor closed, as if the process had died.

            try (ActivationStore resumed = ActivationStore.resume(dir, FINGERPRINT, METADATA)) {
                assertEquals(15, resumed.promptsDone());
                assertFalse(resumed.isComplete());
                appendRest(resumed, batch);
                resumed.finish(IDS, Map.of("seconds", 9.0));
            }
            first.close();
        }
        assertSameFiles(tmp.resolve("reference"), dir);
    }

    @Test
    void finishInterruptedAfterARenameCompletesOnResume() throws Exception {
        writeRun(tmp.resolve("reference"), 5, RowBatch.Layout.PROMPT_MAJOR);
        Path dir = tmp.resolve("run");
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE)) {
            appendRest(store, batch);
        }
        // What finish does first, then dies: one file renamed into place.
        Path last = dir.resolve(Pooling.LAST.fileName());
        Files.move(dir.resolve("." + last.getFileName() + ".partial"), last);

        try (ActivationStore resumed = ActivationStore.resume(dir, FINGERPRINT, METADATA)) {
            assertEquals(PROMPTS, resumed.promptsDone());
            resumed.finish(IDS, Map.of());
        }
        assertSameFiles(tmp.resolve("reference"), dir);
    }

    @Test
    void resumeRefusesAnotherRunNamingWhatDiffers() throws Exception {
        Path dir = tmp.resolve("run");
        ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE).close();

        StoreFingerprint otherCorpus = new StoreFingerprint(FINGERPRINT.modelSha256(), "dd".repeat(32),
                FINGERPRINT.options(), PROMPTS, WIDTH, TENSORS, FINGERPRINT.poolings());
        String message = assertThrows(StoreMismatchException.class,
                () -> ActivationStore.resume(dir, otherCorpus, METADATA)).getMessage();
        assertEquals("the checkpoint in " + dir + " was made with corpus sha256 cccccccccccc…, this run uses"
                + " dddddddddddd…", message);

        StoreFingerprint otherOptions = new StoreFingerprint(FINGERPRINT.modelSha256(), FINGERPRINT.corpusSha256(),
                "max_tokens=256;template=none", PROMPTS, WIDTH, TENSORS, FINGERPRINT.poolings());
        assertTrue(assertThrows(StoreMismatchException.class, () -> ActivationStore.resume(dir, otherOptions, METADATA))
                .getMessage().contains("options \"max_tokens=512;template=none\", this run uses \"max_tokens=256;template=none\""));

        StoreFingerprint lastOnly = new StoreFingerprint(FINGERPRINT.modelSha256(), FINGERPRINT.corpusSha256(),
                FINGERPRINT.options(), PROMPTS, WIDTH, TENSORS, java.util.EnumSet.of(Pooling.LAST));
        assertTrue(assertThrows(StoreMismatchException.class, () -> ActivationStore.resume(dir, lastOnly, METADATA))
                .getMessage().contains("poolings last+mean+mean-skip-first, this run uses last"));

        assertTrue(assertThrows(StoreMismatchException.class,
                () -> ActivationStore.resume(dir, FINGERPRINT, Map.of("strata.model", "other"))).getMessage()
                .contains("was made with metadata {"));
    }

    @Test
    void aRunBegunBeforeTheCpuVariantWasRecordedResumesWithoutIt() throws Exception {
        writeRun(tmp.resolve("reference"), 5, RowBatch.Layout.PROMPT_MAJOR);
        Map<String, String> withVariant = new java.util.TreeMap<>(METADATA);
        withVariant.put("llama_cpu_variant", "haswell");
        withVariant.put("llama_cpu_features", "AVX AVX2 FMA");
        Path dir = tmp.resolve("older");
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR)) {
            try (ActivationStore first = ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE)) {
                fill(batch, 0, 5, Float.NaN);
                first.append(0, 5, batch);
                first.checkpoint();
            }
            try (ActivationStore resumed = ActivationStore.resume(dir, FINGERPRINT, withVariant)) {
                assertEquals(5, resumed.promptsDone());
                appendRest(resumed, batch);
                resumed.finish(IDS, Map.of("seconds", 9.0));
            }
        }
        // Headers as the run began them, no variant claimed for rows it did not see.
        assertSameFiles(tmp.resolve("reference"), dir);
        try (ActivationStore finished = ActivationStore.resume(dir, FINGERPRINT, withVariant)) {
            assertTrue(finished.isComplete());
        }
    }

    @Test
    void resumeRefusesARunOfAnotherCpuVariant() throws Exception {
        Map<String, String> haswell = new java.util.TreeMap<>(METADATA);
        haswell.put("llama_cpu_variant", "haswell");
        Map<String, String> zen4 = new java.util.TreeMap<>(METADATA);
        zen4.put("llama_cpu_variant", "zen4");
        Path dir = tmp.resolve("run");
        ActivationStore.create(dir, FINGERPRINT, haswell, IfExists.REFUSE).close();
        String message = assertThrows(StoreMismatchException.class,
                () -> ActivationStore.resume(dir, FINGERPRINT, zen4)).getMessage();
        assertTrue(message.contains("llama_cpu_variant=haswell") && message.contains("llama_cpu_variant=zen4"), message);
    }

    @Test
    void existingRunsAreRefusedUnlessResumedOrOverwritten() throws Exception {
        Path dir = tmp.resolve("run");
        ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE).close();
        String unfinished = assertThrows(StoreExistsException.class,
                () -> ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE)).getMessage();
        assertEquals(dir + " holds an unfinished extraction (0 prompts done)", unfinished);

        ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.OVERWRITE).close();
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.resume(dir, FINGERPRINT, METADATA)) {
            appendRest(store, batch);
            store.finish(IDS, Map.of());
        }
        String finished = assertThrows(StoreExistsException.class,
                () -> ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE)).getMessage();
        assertEquals(dir + " already holds a finished extraction", finished);

        byte[] before = Files.readAllBytes(dir.resolve(Pooling.MEAN.fileName()));
        try (ActivationStore again = ActivationStore.resume(dir, FINGERPRINT, METADATA)) {
            assertTrue(again.isComplete());
            assertEquals(PROMPTS, again.promptsDone());
            again.finish(IDS, Map.of());
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(Pooling.MEAN.fileName())));

        try (ActivationStore fresh = ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.OVERWRITE)) {
            assertEquals(0, fresh.promptsDone());
            assertFalse(Files.exists(dir.resolve(ActivationStore.MANIFEST)), "overwrite removes the finished run");
        }
    }

    @Test
    void resumeWithoutCheckpointStartsFresh() throws Exception {
        try (ActivationStore store = ActivationStore.resume(tmp.resolve("new"), FINGERPRINT, METADATA)) {
            assertEquals(0, store.promptsDone());
            assertFalse(store.isComplete());
        }
    }

    @Test
    void appendRefusesGapsAndWrongShapes() throws Exception {
        try (RowBatch batch = RowBatch.allocate(5, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                RowBatch wide = RowBatch.allocate(5, TENSORS, WIDTH + 1, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.create(tmp.resolve("run"), FINGERPRINT, METADATA, IfExists.REFUSE)) {
            assertThrows(IllegalArgumentException.class, () -> store.append(5, 5, batch));
            assertThrows(IllegalArgumentException.class, () -> store.append(0, 6, batch));
            assertThrows(IllegalArgumentException.class, () -> store.append(0, 5, wide));
            assertThrows(IllegalStateException.class, () -> store.finish(IDS, Map.of()));
        }
    }

    @Test
    void batchesOfVaryingSizeGiveTheSameBytes() throws Exception {
        // Real prompts pack unevenly: a batch of long prompts holds few, the next many.
        Path even = tmp.resolve("even");
        writeRun(even, 5, RowBatch.Layout.TENSOR_MAJOR);
        Path uneven = tmp.resolve("uneven");
        try (RowBatch batch = RowBatch.allocate(9, TENSORS, WIDTH, RowBatch.Layout.TENSOR_MAJOR);
                ActivationStore store = ActivationStore.create(uneven, FINGERPRINT, METADATA, IfExists.REFUSE)) {
            int[] sizes = {2, 9, 1, 7, 9, 3};
            int first = 0;
            for (int i = 0; first < PROMPTS; i++) {
                int count = Math.min(sizes[i % sizes.length], PROMPTS - first);
                fill(batch, first, count, Float.NaN);
                store.append(first, count, batch);
                store.checkpoint();
                first += count;
            }
            store.finish(IDS, Map.of());
        }
        assertSameFiles(even, uneven);
    }
}
