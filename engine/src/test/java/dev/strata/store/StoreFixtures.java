package dev.strata.store;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** A small known extraction (n = 37, D = 8, T = 4) and a Python-free safetensors reader to check it. */
final class StoreFixtures {
    static final int PROMPTS = 37;
    static final int WIDTH = 8;
    static final int TENSORS = 4;
    static final StoreFingerprint FINGERPRINT = new StoreFingerprint(
            "aa".repeat(32), "cc".repeat(32), "max_tokens=512;template=none", PROMPTS, WIDTH, TENSORS,
            java.util.EnumSet.allOf(Pooling.class));
    static final Map<String, String> METADATA = Map.of("strata.model", "tiny \"test\" model", "strata.version", "0.1.0");
    static final List<String> IDS = IntStream.rangeClosed(1, PROMPTS).mapToObj(i -> "p" + i).toList();

    private StoreFixtures() {}

    /** The value every run writes at (prompt, tensor, dim); exactly representable in float32. */
    static float value(Pooling pooling, int prompt, int tensor, int dim) {
        return prompt * 100 + tensor + dim / 16f + (pooling == Pooling.MEAN ? 0.5f : 0f)
                + (pooling == Pooling.MEAN_SKIP_FIRST ? 0.25f : 0f) - 1000;
    }

    static int tokens(int prompt) {
        return prompt % 9 + 1;
    }

    static boolean truncated(int prompt) {
        return prompt % 5 == 0;
    }

    /** Fills slots 0 .. count-1 with prompts first .. first+count-1, or with {@code garbage} when not NaN. */
    static void fill(RowBatch batch, int first, int count, float garbage) {
        for (Pooling pooling : Pooling.values()) {
            for (int slot = 0; slot < count; slot++) {
                for (int t = 0; t < batch.tensors(); t++) {
                    for (int d = 0; d < batch.width(); d++) {
                        float v = Float.isNaN(garbage) ? value(pooling, first + slot, t, d) : garbage;
                        batch.rows(pooling).set(RowBatch.FLOAT, batch.rowOffset(slot, t) + (long) d * Float.BYTES, v);
                    }
                }
            }
        }
        for (int slot = 0; slot < count; slot++) {
            batch.setPromptInfo(slot, Float.isNaN(garbage) ? tokens(first + slot) : -1, truncated(first + slot));
        }
    }

    /** Appends from the store's position to the end, a full batch at a time, checkpointing each. */
    static void appendRest(ActivationStore store, RowBatch batch) throws IOException, InterruptedException {
        appendRest(store, batch, 0, done -> {});
    }

    /** As above, pausing before and after each checkpoint and reporting the prompts it covers. */
    static void appendRest(ActivationStore store, RowBatch batch, long pauseMillis, IntConsumer onCheckpoint)
            throws IOException, InterruptedException {
        for (int first = store.promptsDone(); first < PROMPTS; first = store.promptsDone()) {
            int count = Math.min(batch.capacity(), PROMPTS - first);
            fill(batch, first, count, Float.NaN);
            store.append(first, count, batch);
            Thread.sleep(pauseMillis);
            store.checkpoint();
            onCheckpoint.accept(store.promptsDone());
            Thread.sleep(pauseMillis);
        }
    }

    /** An uninterrupted run into {@code dir}. */
    static void writeRun(Path dir, int batchSize, RowBatch.Layout layout) throws Exception {
        try (RowBatch batch = RowBatch.allocate(batchSize, TENSORS, WIDTH, layout);
                ActivationStore store = ActivationStore.create(dir, FINGERPRINT, METADATA, IfExists.REFUSE)) {
            appendRest(store, batch);
            store.finish(IDS, Map.of("seconds", 1.25));
        }
    }

    /** The files a finished run leaves, which must match byte for byte between equivalent runs. */
    static List<String> deterministicFiles() {
        return List.of(Pooling.LAST.fileName(), Pooling.MEAN.fileName(), Pooling.MEAN_SKIP_FIRST.fileName(),
                ActivationStore.PROMPTS);
    }

    static void assertSameFiles(Path expected, Path actual) throws IOException {
        for (String name : deterministicFiles()) {
            long mismatch = Files.mismatch(expected.resolve(name), actual.resolve(name));
            if (mismatch != -1) {
                throw new AssertionError(name + " differs at byte " + mismatch);
            }
        }
    }

    /** A parsed safetensors file: its header JSON and the raw data section. */
    record Safetensors(long headerSize, Map<String, Object> header, ByteBuffer data) {
        static Safetensors read(Path path) throws IOException {
            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            long headerSize = file.getLong(0);
            String json = new String(file.array(), Long.BYTES, (int) headerSize, StandardCharsets.UTF_8);
            ByteBuffer data = file.slice(Long.BYTES + (int) headerSize, file.capacity() - Long.BYTES - (int) headerSize)
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new Safetensors(headerSize, JSON.std.mapFrom(json), data);
        }

        List<String> tensorNames() {
            List<String> names = new ArrayList<>(header.keySet());
            names.remove("__metadata__");
            return names;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> entry(String tensor) {
            return (Map<String, Object>) header.get(tensor);
        }

        /** Element [row][col] of a float32 [rows, cols] tensor. */
        float get(String tensor, int row, int col) {
            List<?> offsets = (List<?>) entry(tensor).get("data_offsets");
            int cols = ((Number) ((List<?>) entry(tensor).get("shape")).get(1)).intValue();
            return data.getFloat(((Number) offsets.get(0)).intValue() + (row * cols + col) * Float.BYTES);
        }
    }
}
