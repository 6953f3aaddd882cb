package dev.strata.store;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One shard of an extraction: the rows of a run of consecutive prompts, written by a task that may run on another
 * machine, and merged into the activation store by {@link ActivationStore#appendShard}. In {@code DIR/shards/}:
 *
 * <ul>
 *   <li>{@code shard-NNNNN.bin}: per pooling of the fingerprint (in {@link Pooling} order), per tensor, the shard's
 *       rows (float32, little-endian, D each), then per prompt its token count and truncated flag (two int32);
 *   <li>{@code shard-NNNNN.json}: the fingerprint and metadata of the store it belongs to, its first prompt and its
 *       prompt count. Written last: its presence marks the shard finished.
 * </ul>
 *
 * The data file is written aside and renamed into place, so a shard is either absent or complete; a shard task that is
 * killed starts over, and one run twice writes the same bytes.
 */
public final class ShardFile {
    /** The folder of the shards beside the store. */
    public static final String DIR = "shards";
    private static final String FORMAT = "strata-activations-shard/1";

    private ShardFile() {}

    /** A finished shard: prompts [first, first + count). */
    public record Complete(Path data, StoreFingerprint fingerprint, int first, int count) {}

    static Path data(Path dir, int index) {
        return dir.resolve(DIR).resolve(String.format("shard-%05d.bin", index));
    }

    static Path json(Path dir, int index) {
        return dir.resolve(DIR).resolve(String.format("shard-%05d.json", index));
    }

    /** The finished shard {@code index} of the store in {@code dir}, if it was made for this fingerprint and metadata. */
    public static Optional<Complete> find(Path dir, int index, StoreFingerprint fingerprint, Map<String, String> metadata)
            throws IOException {
        Path json = json(dir, index);
        if (!Files.isRegularFile(json)) return Optional.empty();
        Map<String, Object> saved = JSON.std.mapFrom(Files.readString(json, StandardCharsets.UTF_8));
        if (!FORMAT.equals(saved.get("format"))
                || !StoreFingerprint.fromJson((Map<?, ?>) saved.get("fingerprint")).equals(fingerprint)
                || !new TreeMap<>(metadata).equals(saved.get("metadata"))) {
            return Optional.empty();
        }
        int first = ((Number) saved.get("first")).intValue();
        int count = ((Number) saved.get("count")).intValue();
        Path data = data(dir, index);
        if (!Files.isRegularFile(data) || Files.size(data) != bytes(fingerprint, count)) return Optional.empty();
        return Optional.of(new Complete(data, fingerprint, first, count));
    }

    /** Every finished shard of the store in {@code dir} made for this fingerprint and metadata, by first prompt. */
    public static Map<Integer, Complete> findAll(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata)
            throws IOException {
        Map<Integer, Complete> byFirst = new TreeMap<>();
        Path shards = dir.resolve(DIR);
        if (!Files.isDirectory(shards)) return byFirst;
        try (Stream<Path> files = Files.list(shards)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                String name = file.getFileName().toString();
                if (!name.matches("shard-\\d+\\.json")) continue;
                int index = Integer.parseInt(name.substring(6, name.length() - 5));
                Optional<Complete> shard = find(dir, index, fingerprint, metadata);
                if (shard.isPresent() && shard.get().count() > 0) byFirst.put(shard.get().first(), shard.get());
            }
        }
        return byFirst;
    }

    /** Removes the shards of the store in {@code dir}, once merged. */
    public static void deleteAll(Path dir) throws IOException {
        Path shards = dir.resolve(DIR);
        if (!Files.isDirectory(shards)) return;
        try (Stream<Path> files = Files.list(shards)) {
            for (Path file : files.toList()) Files.deleteIfExists(file);
        }
        Files.deleteIfExists(shards);
    }

    /** Starts writing shard {@code index}: prompts [first, first + count) of the store in {@code dir}. */
    public static Writer create(Path dir, int index, StoreFingerprint fingerprint, Map<String, String> metadata,
            int first, int count) throws IOException {
        return new Writer(dir, index, fingerprint, metadata, first, count);
    }

    static long bytes(StoreFingerprint fingerprint, int count) {
        return (long) fingerprint.poolings().size() * fingerprint.tensors() * count * rowBytes(fingerprint)
                + (long) count * RowBatch.infoBytes();
    }

    static long rowBytes(StoreFingerprint fingerprint) {
        return (long) fingerprint.width() * Float.BYTES;
    }

    /** Offset in a shard's data of tensor {@code tensor}'s rows in {@code pooling}. */
    static long tensorOffset(StoreFingerprint fingerprint, int count, Pooling pooling, int tensor) {
        int poolingIndex = 0;
        for (Pooling p : fingerprint.poolings()) {
            if (p == pooling) break;
            poolingIndex++;
        }
        return ((long) poolingIndex * fingerprint.tensors() + tensor) * count * rowBytes(fingerprint);
    }

    /** Offset in a shard's data of the prompts' token counts and truncated flags. */
    static long infoOffset(StoreFingerprint fingerprint, int count) {
        return (long) fingerprint.poolings().size() * fingerprint.tensors() * count * rowBytes(fingerprint);
    }

    /** Writes one shard; rows come in prompt order as batches, as into the store. */
    public static final class Writer implements RowSink, AutoCloseable {
        private final Path dir;
        private final int index;
        private final StoreFingerprint fingerprint;
        private final Map<String, String> metadata;
        private final int first;
        private final int count;
        private final Path partial;
        private final FileChannel file;
        private int appended;

        private Writer(Path dir, int index, StoreFingerprint fingerprint, Map<String, String> metadata, int first,
                int count) throws IOException {
            this.dir = dir;
            this.index = index;
            this.fingerprint = fingerprint;
            this.metadata = new TreeMap<>(metadata);
            this.first = first;
            this.count = count;
            Files.createDirectories(dir.resolve(DIR));
            // A name of its own: a retried or speculative copy of this task may be writing the same shard right now.
            Path data = data(dir, index);
            this.partial = data.resolveSibling("." + data.getFileName() + "." + UUID.randomUUID() + ".partial");
            this.file = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }

        @Override
        public void append(int firstPrompt, int batchCount, RowBatch batch) throws IOException {
            if (firstPrompt != first + appended || batchCount <= 0 || batchCount > count - appended) {
                throw new IllegalArgumentException("append(" + firstPrompt + ", " + batchCount + "): shard " + index
                        + " expects prompts from " + (first + appended) + ", at most " + (count - appended));
            }
            long rowBytes = rowBytes(fingerprint);
            int local = firstPrompt - first;
            for (Pooling pooling : fingerprint.poolings()) {
                ByteBuffer rows = batch.rowView(pooling);
                for (int tensor = 0; tensor < fingerprint.tensors(); tensor++) {
                    long at = tensorOffset(fingerprint, count, pooling, tensor) + local * rowBytes;
                    for (int slot = 0; slot < batchCount; slot++) {
                        write(rows, batch.rowOffset(slot, tensor), rowBytes, at + slot * rowBytes);
                    }
                }
            }
            int infoBytes = RowBatch.infoBytes();
            write(batch.infoView(), 0, (long) batchCount * infoBytes, infoOffset(fingerprint, count)
                    + (long) local * infoBytes);
            appended += batchCount;
        }

        /** Nothing: a shard is short, and one that is killed starts over. */
        @Override
        public void checkpoint() {}

        /** Moves the finished shard into place: its data, then the JSON that marks it finished. */
        public Complete finish() throws IOException {
            if (appended != count) {
                throw new IllegalStateException("shard " + index + ": " + appended + " of " + count + " prompts appended");
            }
            file.force(false);
            file.close();
            AtomicFile.commit(partial, data(dir, index));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", FORMAT);
            json.put("fingerprint", fingerprint.toJson());
            json.put("metadata", metadata);
            json.put("first", first);
            json.put("count", count);
            AtomicFile.writeString(json(dir, index), JSON.std.asString(json));
            return new Complete(data(dir, index), fingerprint, first, count);
        }

        @Override
        public void close() throws IOException {
            file.close();
        }

        private void write(ByteBuffer source, long from, long length, long position) throws IOException {
            source.clear().position((int) from).limit((int) (from + length));
            while (source.hasRemaining()) position += file.write(source, position);
            source.clear();
        }
    }
}
