package dev.strata.store;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.AtomicFile;
import dev.strata.io.NonFinite;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The streaming, resumable activation store of one extraction run. It writes, in directory DIR:
 *
 * <ul>
 *   <li>{@code activations-last.safetensors}, {@code activations-mean.safetensors}: float32 tensors {@code layers.0} ..
 *       {@code layers.L}, {@code final_norm}, each [n, D], rows in corpus order; {@code __metadata__} is the caller's
 *       map (sorted by key). Nothing time-dependent goes in, so a run killed and resumed gives the same bytes as an
 *       uninterrupted one;
 *   <li>{@code prompts.jsonl}: one line per prompt, {@code {"index":0,"id":"1","tokens":17,"truncated":false}};
 *   <li>{@code manifest.json}: fingerprint, metadata, file names and the caller's run information (timings); its
 *       presence marks the directory as finished.
 * </ul>
 *
 * <p>The fingerprint names the poolings stored; a run may keep only one of the two files.
 *
 * <p>A store that counts non-finite values (a run that allows NaN and infinite activations) counts them per tensor
 * when it finishes and records them in each file's metadata under {@code nonfinite_values} (a JSON object from
 * tensor name to count, as a string) and in the manifest (per pooling). Its headers are written with room for that
 * entry, so recording it moves no row.
 *
 * <p>While running, the activation files exist pre-sized as {@code .activations-*.safetensors.partial} with their
 * final header, and each batch is written at its rows' final offsets, so memory holds one batch, never n prompts.
 * {@link #checkpoint()} forces the partial files to disk and then atomically replaces {@code checkpoint.json}; a run
 * killed at any moment resumes from the last checkpoint, and rows written after it are simply written again.
 *
 * <p>Use: {@link #create} or {@link #resume}; then, from prompt {@link #promptsDone()}, {@link #append} each batch in
 * corpus order and {@link #checkpoint()} as often as wanted; then {@link #finish}. Not thread-safe.
 */
public final class ActivationStore implements RowSink, AutoCloseable {
    static final String CHECKPOINT = "checkpoint.json";
    static final String MANIFEST = "manifest.json";
    /** The file that lists the prompts, one JSON line each, beside the activation files. */
    public static final String PROMPTS = "prompts.jsonl";
    private static final String PROMPT_INFO_PARTIAL = ".prompts.partial";
    private static final String COUNTS_NONFINITE = "countsNonFinite";
    private static final String CHECKPOINT_FORMAT = "strata-activations-checkpoint/1";
    private static final String MANIFEST_FORMAT = "strata-activations/1";
    /** {@code Pooling.values()} copies its array on every call; append must not allocate. */
    private static final Pooling[] POOLINGS = Pooling.values();

    private final Path dir;
    private final StoreFingerprint fingerprint;
    private final Map<String, String> metadata;
    /** Per pooling: the files differ only in their "pooling" metadata value. */
    private final Map<Pooling, SafetensorsLayout> layouts = new EnumMap<>(Pooling.class);
    private final long rowBytes;
    private final boolean countsNonFinite;
    /** Per pooling, per tensor: known once {@link #finish} has counted them. */
    private final Map<Pooling, long[]> nonFinite = new EnumMap<>(Pooling.class);
    /** Open partial files; a pooling is absent once an interrupted finish has renamed its file into place. */
    private final Map<Pooling, FileChannel> partials = new EnumMap<>(Pooling.class);
    private FileChannel promptInfo;
    private int promptsAppended;
    private boolean complete;

    private ActivationStore(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata, boolean countsNonFinite) {
        this.dir = dir;
        this.fingerprint = fingerprint;
        this.metadata = new TreeMap<>(metadata);
        this.countsNonFinite = countsNonFinite;
        int reserved = countsNonFinite ? SafetensorsLayout.entryBytes(ActivationsMetadata.NONFINITE_VALUES, largestCounts(fingerprint)) : 0;
        for (Pooling pooling : fingerprint.poolings()) {
            layouts.put(pooling, new SafetensorsLayout(fingerprint, fileMetadata(pooling), reserved));
        }
        this.rowBytes = (long) fingerprint.width() * Float.BYTES;
    }

    private Map<String, String> fileMetadata(Pooling pooling) {
        Map<String, String> fileMetadata = new TreeMap<>(metadata);
        fileMetadata.put(ActivationsMetadata.POOLING, pooling.label());
        // Only the pooling that leaves positions out says which; the other files stay as they were before it existed.
        if (pooling != Pooling.MEAN_SKIP_FIRST) fileMetadata.remove(ActivationsMetadata.SKIPPED_POSITIONS);
        return fileMetadata;
    }

    /**
     * Starts a new extraction in {@code dir} (created if missing). A directory that holds an extraction, finished or
     * not, is refused with {@link StoreExistsException} ({@link IfExists#REFUSE}) or deleted first
     * ({@link IfExists#OVERWRITE}); resuming is {@link #resume}.
     *
     * @param metadata string pairs for the safetensors {@code __metadata__}; must not vary between runs that should
     *                 give identical files (no timings)
     */
    public static ActivationStore create(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata,
            IfExists ifExists) throws IOException {
        return create(dir, fingerprint, metadata, ifExists, NonFiniteValues.REFUSED);
    }

    /**
     * As {@link #create(Path, StoreFingerprint, Map, IfExists)}; with {@link NonFiniteValues#COUNTED} the finished
     * files record how many NaN and infinite values each tensor holds.
     */
    public static ActivationStore create(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata,
            IfExists ifExists, NonFiniteValues nonFinite) throws IOException {
        if (ifExists == IfExists.RESUME) throw new IllegalArgumentException("a run is resumed with resume(), not create()");
        Files.createDirectories(dir);
        if (ifExists == IfExists.REFUSE) {
            refuseExisting(dir);
        }
        boolean countsNonFinite = nonFinite == NonFiniteValues.COUNTED;
        for (String name : List.of(MANIFEST, CHECKPOINT, PROMPTS)) {
            Files.deleteIfExists(dir.resolve(name));
        }
        for (Pooling pooling : Pooling.values()) {
            Files.deleteIfExists(dir.resolve(pooling.fileName()));
        }
        ActivationStore store = new ActivationStore(dir, fingerprint, metadata, countsNonFinite);
        try {
            store.createPartials();
            store.checkpoint();
        } catch (FileSystemException e) {
            store.close();
            throw e;
        } catch (IOException e) {
            store.close();
            // Each file is pre-sized to its final length, so a disk too small or a file-size limit shows here.
            throw new IOException(dir + ": could not create the activation files (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * Continues the extraction in {@code dir}: from its checkpoint when there is one (check {@link #promptsDone()}), from
     * the start when there is none. A finished directory gives a store that {@link #isComplete()} and has nothing to do.
     * A checkpoint or finished run made with a different fingerprint or metadata is refused with
     * {@link StoreMismatchException} naming what differs (a run begun before the CPU variant was recorded resumes
     * without it: {@link ActivationsMetadata#asRecordedBy}). A checkpoint of a run that counted
     * non-finite values, continued by one that does not (or the other way round), starts over.
     */
    public static ActivationStore resume(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata)
            throws IOException {
        return resume(dir, fingerprint, metadata, NonFiniteValues.REFUSED);
    }

    /** As {@link #resume(Path, StoreFingerprint, Map)}, for a run that counts non-finite values or refuses them. */
    public static ActivationStore resume(Path dir, StoreFingerprint fingerprint, Map<String, String> metadata,
            NonFiniteValues nonFinite) throws IOException {
        boolean countsNonFinite = nonFinite == NonFiniteValues.COUNTED;
        Path manifest = dir.resolve(MANIFEST);
        if (Files.exists(manifest)) {
            Map<String, Object> finished = readJson(manifest);
            metadata = ActivationsMetadata.asRecordedBy((Map<?, ?>) finished.get("metadata"), metadata);
            checkSameRun(dir, "the finished extraction", finished, fingerprint, metadata,
                    finished.containsKey(ActivationsMetadata.NONFINITE_VALUES), countsNonFinite);
            // Left behind only when a finish died between writing the manifest and cleaning up.
            Files.deleteIfExists(dir.resolve(CHECKPOINT));
            Files.deleteIfExists(dir.resolve(PROMPT_INFO_PARTIAL));
            ActivationStore store = new ActivationStore(dir, fingerprint, metadata, countsNonFinite);
            store.promptsAppended = fingerprint.prompts();
            store.complete = true;
            return store;
        }
        Path checkpoint = dir.resolve(CHECKPOINT);
        if (!Files.exists(checkpoint)) {
            return create(dir, fingerprint, metadata, IfExists.OVERWRITE, nonFinite);
        }
        Map<String, Object> saved = readJson(checkpoint);
        metadata = ActivationsMetadata.asRecordedBy((Map<?, ?>) saved.get("metadata"), metadata);
        checkSameRun(dir, "the checkpoint", saved, fingerprint, metadata, countsNonFinite, countsNonFinite);
        if (Boolean.TRUE.equals(saved.get(COUNTS_NONFINITE)) != countsNonFinite) {
            // Its headers lack (or have) the room for the counts, which fixes where every row lies: start over. This is
            // how a run stopped by a non-finite value continues once they are allowed.
            return create(dir, fingerprint, metadata, IfExists.OVERWRITE, nonFinite);
        }
        ActivationStore store = new ActivationStore(dir, fingerprint, metadata, countsNonFinite);
        try {
            store.promptsAppended = ((Number) saved.get("promptsDone")).intValue();
            store.openPartials();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * The fingerprint of the extraction already in {@code dir}, finished (manifest) or checkpointed, if any: lets a
     * resuming caller continue with the options the run was started with.
     */
    public static Optional<StoreFingerprint> existing(Path dir) throws IOException {
        for (String name : List.of(MANIFEST, CHECKPOINT)) {
            Path file = dir.resolve(name);
            if (Files.exists(file)) {
                return Optional.of(StoreFingerprint.fromJson((Map<?, ?>) readJson(file).get("fingerprint")));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code dir} holds a finished extraction (of any fingerprint). */
    public static boolean isFinished(Path dir) {
        return Files.exists(dir.resolve(MANIFEST));
    }

    /** Prompts whose rows are written (after {@link #resume}: those the checkpoint covers); the next batch starts here. */
    public int promptsDone() {
        return promptsAppended;
    }

    /** True when the directory was already finished when resumed, or {@link #finish} has run. */
    public boolean isComplete() {
        return complete;
    }

    public StoreFingerprint fingerprint() {
        return fingerprint;
    }

    /**
     * Writes slots 0 .. count-1 of {@code batch} as prompts {@code firstPrompt} .. {@code firstPrompt + count - 1},
     * into every tensor of every pooling's file, with their token counts. Batches must come in corpus order without gaps
     * ({@code firstPrompt == promptsDone()}). Allocates nothing.
     */
    @Override
    public void append(int firstPrompt, int count, RowBatch batch) throws IOException {
        if (complete) {
            throw new IllegalStateException(dir + ": the extraction is already complete");
        }
        if (firstPrompt != promptsAppended || count <= 0 || count > batch.capacity()
                || count > fingerprint.prompts() - firstPrompt) {
            throw new IllegalArgumentException("append(" + firstPrompt + ", " + count + "): expected prompts from "
                    + promptsAppended + ", at most " + Math.min(batch.capacity(), fingerprint.prompts() - promptsAppended));
        }
        if (batch.tensors() != fingerprint.tensors() || batch.width() != fingerprint.width()) {
            throw new IllegalArgumentException("batch of " + batch.tensors() + " x " + batch.width()
                    + " does not match the store's " + fingerprint.tensors() + " tensors x " + fingerprint.width());
        }
        try {
            writeRows(firstPrompt, count, batch);
        } catch (IOException e) {
            throw new IOException(dir + ": could not write the activations of prompts " + firstPrompt + ".."
                    + (firstPrompt + count - 1) + " (" + e.getMessage() + "); the last checkpoint stays valid", e);
        }
        promptsAppended += count;
    }

    /**
     * Writes the rows of a finished shard of this store (made for the same fingerprint) as if its batches were
     * appended here: it must start at {@link #promptsDone()}.
     */
    public void appendShard(ShardFile.Complete shard) throws IOException {
        if (complete) {
            throw new IllegalStateException(dir + ": the extraction is already complete");
        }
        if (!shard.fingerprint().equals(fingerprint) || shard.first() != promptsAppended
                || shard.count() > fingerprint.prompts() - promptsAppended) {
            throw new IllegalArgumentException(shard.data() + ": prompts " + shard.first() + ".." + (shard.first()
                    + shard.count() - 1) + " do not continue " + dir + " at prompt " + promptsAppended);
        }
        long rowBytes = ShardFile.rowBytes(fingerprint);
        try (FileChannel source = FileChannel.open(shard.data(), StandardOpenOption.READ)) {
            for (Pooling pooling : fingerprint.poolings()) {
                FileChannel file = partials.get(pooling);
                for (int tensor = 0; tensor < fingerprint.tensors(); tensor++) {
                    copyFully(source, ShardFile.tensorOffset(fingerprint, shard.count(), pooling, tensor), file,
                            layouts.get(pooling).rowOffset(tensor, shard.first()), shard.count() * rowBytes);
                }
            }
            int infoBytes = RowBatch.infoBytes();
            copyFully(source, ShardFile.infoOffset(fingerprint, shard.count()), promptInfo,
                    (long) shard.first() * infoBytes, (long) shard.count() * infoBytes);
        }
        promptsAppended += shard.count();
    }

    private static void copyFully(FileChannel source, long from, FileChannel target, long position, long length)
            throws IOException {
        for (long done = 0; done < length; ) {
            long moved = target.transferFrom(source.position(from + done), position + done, length - done);
            if (moved <= 0) throw new IOException("could not copy " + length + " bytes from a shard");
            done += moved;
        }
    }

    private void writeRows(int firstPrompt, int count, RowBatch batch) throws IOException {
        boolean tensorRowsAdjacent = batch.layout() == RowBatch.Layout.TENSOR_MAJOR;
        for (Pooling pooling : POOLINGS) {
            FileChannel file = partials.get(pooling);
            if (file == null) continue; // a pooling this run does not store
            ByteBuffer rows = batch.rowView(pooling);
            for (int tensor = 0; tensor < fingerprint.tensors(); tensor++) {
                long fileOffset = layouts.get(pooling).rowOffset(tensor, firstPrompt);
                if (tensorRowsAdjacent) {
                    writeFully(file, rows, batch.rowOffset(0, tensor), count * rowBytes, fileOffset);
                } else {
                    for (int slot = 0; slot < count; slot++) {
                        writeFully(file, rows, batch.rowOffset(slot, tensor), rowBytes, fileOffset + slot * rowBytes);
                    }
                }
            }
        }
        int infoBytes = RowBatch.infoBytes();
        writeFully(promptInfo, batch.infoView(), 0, (long) count * infoBytes, (long) firstPrompt * infoBytes);
    }

    /**
     * Makes everything appended so far survive a crash: forces the partial files to disk, then atomically replaces
     * {@code checkpoint.json}. Only in that order can a checkpoint never promise rows that are not on disk.
     */
    @Override
    public void checkpoint() throws IOException {
        if (complete) {
            return;
        }
        for (FileChannel file : partials.values()) {
            file.force(false);
        }
        promptInfo.force(false);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", CHECKPOINT_FORMAT);
        json.put("promptsDone", promptsAppended);
        json.put("fingerprint", fingerprint.toJson());
        json.put("metadata", metadata);
        if (countsNonFinite) {
            json.put(COUNTS_NONFINITE, true);
        }
        AtomicFile.writeString(dir.resolve(CHECKPOINT), JSON.std.asString(json));
        syncDirectory(dir);
    }

    /**
     * Finishes a run whose every prompt is appended: renames the activation files into place, writes
     * {@code prompts.jsonl} and {@code manifest.json}, and removes the checkpoint. Safe to call again after a crash
     * inside it (resume, then finish). Does nothing on a store that {@link #isComplete()}.
     *
     * @param promptIds the corpus's prompt ids in order ({@code Corpus#ids()}), for {@code prompts.jsonl}
     * @param run       what the manifest records under "run": timings, options, versions (may vary between runs)
     */
    public void finish(List<String> promptIds, Map<String, ?> run) throws IOException {
        if (complete) {
            return;
        }
        if (promptsAppended != fingerprint.prompts()) {
            throw new IllegalStateException("finish: " + promptsAppended + " of " + fingerprint.prompts() + " prompts appended");
        }
        if (promptIds.size() != fingerprint.prompts()) {
            throw new IllegalArgumentException("finish: " + promptIds.size() + " prompt ids for " + fingerprint.prompts() + " prompts");
        }
        // A final checkpoint first: should we die after renaming a file below, resume knows every row was written.
        checkpoint();
        if (countsNonFinite) {
            recordNonFinite();
        }
        for (Map.Entry<Pooling, FileChannel> partial : partials.entrySet()) {
            partial.getValue().close();
            String name = partial.getKey().fileName();
            AtomicFile.commit(AtomicFile.siblingTemp(dir.resolve(name)), dir.resolve(name));
        }
        partials.clear();
        writePromptsJsonl(promptIds);
        promptInfo.close();
        AtomicFile.writeString(dir.resolve(MANIFEST), JSON.std.asString(manifest(run)));
        syncDirectory(dir);
        Files.delete(dir.resolve(CHECKPOINT));
        Files.delete(dir.resolve(PROMPT_INFO_PARTIAL));
        syncDirectory(dir);
        complete = true;
    }

    /**
     * NaN and infinite values per pooling, per tensor (in {@link StoreFingerprint#tensorNames()} order), as counted by
     * {@link #finish}; empty for a store that does not count them or has not finished in this process.
     */
    public Map<Pooling, long[]> nonFiniteValues() {
        Map<Pooling, long[]> copy = new EnumMap<>(Pooling.class);
        nonFinite.forEach((pooling, counts) -> copy.put(pooling, counts.clone()));
        return copy;
    }

    /** The {@code nonfinite_values} metadata value: a JSON object from tensor name to count, in file order. */
    private static String countsJson(List<String> tensorNames, long[] counts) {
        Map<String, Long> byName = new LinkedHashMap<>();
        for (int t = 0; t < counts.length; t++) {
            byName.put(tensorNames.get(t), counts[t]);
        }
        return ActivationsMetadata.countsJson(byName);
    }

    /** The longest {@code nonfinite_values} value this shape can have: the header room to reserve for it. */
    private static String largestCounts(StoreFingerprint fingerprint) {
        long[] counts = new long[fingerprint.tensors()];
        Arrays.fill(counts, Long.MAX_VALUE);
        return countsJson(fingerprint.tensorNames(), counts);
    }

    /**
     * Counts each partial file's non-finite values per tensor and rewrites its header with the counts, in the room
     * reserved for them. Runs on every finish, also one resumed after a crash inside it, so the counts always
     * describe the rows on disk.
     */
    private void recordNonFinite() throws IOException {
        for (Pooling pooling : fingerprint.poolings()) {
            FileChannel file = partials.get(pooling);
            if (file == null) {
                // Renamed into place, counts included, by the finish that was interrupted.
                try (FileChannel finished = FileChannel.open(dir.resolve(pooling.fileName()), StandardOpenOption.READ)) {
                    nonFinite.put(pooling, countNonFinite(finished, layouts.get(pooling)));
                }
                continue;
            }
            long[] counts = countNonFinite(file, layouts.get(pooling));
            Map<String, String> fileMetadata = fileMetadata(pooling);
            fileMetadata.put(ActivationsMetadata.NONFINITE_VALUES, countsJson(fingerprint.tensorNames(), counts));
            byte[] header = layouts.get(pooling).headerWith(fileMetadata);
            writeFully(file, ByteBuffer.wrap(header), 0, header.length, 0);
            file.force(false);
            nonFinite.put(pooling, counts);
        }
    }

    private long[] countNonFinite(FileChannel file, SafetensorsLayout layout) throws IOException {
        long[] counts = new long[fingerprint.tensors()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = file.map(FileChannel.MapMode.READ_ONLY, 0, layout.fileSize(), arena);
            long floats = (long) fingerprint.prompts() * fingerprint.width();
            for (int tensor = 0; tensor < counts.length; tensor++) {
                counts[tensor] = NonFinite.count(mapped, layout.rowOffset(tensor, 0), floats);
            }
        }
        return counts;
    }

    /** Closes the files. Without {@link #finish} first, the directory stays resumable from its last checkpoint. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (FileChannel file : partials.values()) {
            failure = closeQuietly(file, failure);
        }
        partials.clear();
        failure = closeQuietly(promptInfo, failure);
        if (failure != null) {
            throw failure;
        }
    }

    private static void refuseExisting(Path dir) throws IOException {
        if (Files.exists(dir.resolve(MANIFEST))) {
            throw new StoreExistsException(dir + " already holds a finished extraction");
        }
        Path checkpoint = dir.resolve(CHECKPOINT);
        if (Files.exists(checkpoint)) {
            Object done = readJson(checkpoint).get("promptsDone");
            throw new StoreExistsException(dir + " holds an unfinished extraction (" + done + " prompts done)");
        }
    }

    private static void checkSameRun(Path dir, String what, Map<String, Object> saved, StoreFingerprint thisRun,
            Map<String, String> thisMetadata, boolean countedThen, boolean countsNow) throws StoreMismatchException {
        StoreFingerprint then = StoreFingerprint.fromJson((Map<?, ?>) saved.get("fingerprint"));
        List<String> differences = new java.util.ArrayList<>(then.differencesFrom(thisRun));
        if (countedThen != countsNow) {
            // Its headers have (or lack) the room for the counts, so its files cannot be continued by this run.
            differences.add((countedThen ? "non-finite values allowed" : "non-finite values refused") + ", this run "
                    + (countsNow ? "allows" : "refuses") + " them");
        }
        if (differences.isEmpty() && !saved.get("metadata").equals(new TreeMap<>(thisMetadata))) {
            differences = List.of("metadata " + saved.get("metadata") + ", this run uses " + new TreeMap<>(thisMetadata));
        }
        if (!differences.isEmpty()) {
            throw new StoreMismatchException(what + " in " + dir + " was made with "
                    + String.join("; ", differences));
        }
    }

    private void createPartials() throws IOException {
        for (Pooling pooling : fingerprint.poolings()) {
            SafetensorsLayout layout = layouts.get(pooling);
            byte[] header = layout.header();
            FileChannel file = FileChannel.open(partialPath(pooling), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
            partials.put(pooling, file);
            writeFully(file, ByteBuffer.wrap(header), 0, header.length, 0);
            presize(file, layout.fileSize());
        }
        promptInfo = FileChannel.open(dir.resolve(PROMPT_INFO_PARTIAL), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
        presize(promptInfo, (long) fingerprint.prompts() * RowBatch.infoBytes());
    }

    /** Reopens the partial files of a checkpointed run, checking they are the files this run would have made. */
    private void openPartials() throws IOException {
        for (Pooling pooling : fingerprint.poolings()) {
            SafetensorsLayout layout = layouts.get(pooling);
            byte[] header = layout.header();
            Path path = partialPath(pooling);
            if (!Files.exists(path) && promptsAppended == fingerprint.prompts() && Files.exists(dir.resolve(pooling.fileName()))) {
                continue; // renamed into place by a finish that was interrupted
            }
            FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            partials.put(pooling, file);
            ByteBuffer found = ByteBuffer.allocate(header.length);
            while (found.hasRemaining() && file.read(found, found.position()) > 0) {
                // keep reading: a positional read may return fewer bytes
            }
            // A finish interrupted after recording the counts left them in the header; it records them again.
            boolean countsRecorded = countsNonFinite && promptsAppended == fingerprint.prompts()
                    && Arrays.equals(Arrays.copyOf(found.array(), Long.BYTES), Arrays.copyOf(header, Long.BYTES));
            if (file.size() != layout.fileSize() || !(countsRecorded || Arrays.equals(found.array(), header))) {
                throw new StoreMismatchException(path + " does not have the header and size this run expects");
            }
        }
        promptInfo = FileChannel.open(dir.resolve(PROMPT_INFO_PARTIAL), StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private Path partialPath(Pooling pooling) {
        return AtomicFile.siblingTemp(dir.resolve(pooling.fileName()));
    }

    private void writePromptsJsonl(List<String> promptIds) throws IOException {
        ByteBuffer info = ByteBuffer.allocate(fingerprint.prompts() * RowBatch.infoBytes()).order(ByteOrder.LITTLE_ENDIAN);
        while (info.hasRemaining() && promptInfo.read(info, info.position()) > 0) {
            // keep reading: a positional read may return fewer bytes
        }
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < fingerprint.prompts(); i++) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("index", i);
            line.put("id", promptIds.get(i));
            line.put("tokens", info.getInt(i * RowBatch.infoBytes()));
            line.put("truncated", info.getInt(i * RowBatch.infoBytes() + Integer.BYTES) != 0);
            lines.append(JSON.std.asString(line)).append('\n');
        }
        AtomicFile.writeString(dir.resolve(PROMPTS), lines.toString());
    }

    private Map<String, Object> manifest(Map<String, ?> run) {
        Map<String, Object> files = new LinkedHashMap<>();
        for (Pooling pooling : fingerprint.poolings()) {
            files.put(pooling.label(), pooling.fileName());
        }
        files.put("prompts", PROMPTS);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", MANIFEST_FORMAT);
        manifest.put("fingerprint", fingerprint.toJson());
        manifest.put("metadata", metadata);
        manifest.put("tensors", fingerprint.tensorNames());
        manifest.put("files", files);
        if (countsNonFinite) {
            Map<String, Object> counts = new LinkedHashMap<>();
            for (Pooling pooling : fingerprint.poolings()) {
                Map<String, Object> byName = new LinkedHashMap<>();
                long[] perTensor = nonFinite.get(pooling);
                for (int t = 0; t < perTensor.length; t++) {
                    byName.put(fingerprint.tensorNames().get(t), perTensor[t]);
                }
                counts.put(pooling.label(), byName);
            }
            manifest.put(ActivationsMetadata.NONFINITE_VALUES, counts);
        }
        manifest.put("run", run);
        return manifest;
    }

    private static Map<String, Object> readJson(Path path) throws IOException {
        return JSON.std.mapFrom(Files.readString(path, StandardCharsets.UTF_8));
    }

    /** Extends a file to its final size; the gap stays sparse until rows are written. */
    private static void presize(FileChannel file, long size) throws IOException {
        writeFully(file, ByteBuffer.wrap(new byte[1]), 0, 1, size - 1);
    }

    /** Writes bytes [from, from + length) of {@code source} at {@code position}, moving only the view's cursor. */
    private static void writeFully(FileChannel file, ByteBuffer source, long from, long length, long position)
            throws IOException {
        source.clear().position((int) from).limit((int) (from + length));
        while (source.hasRemaining()) {
            position += file.write(source, position);
        }
        // The caller fills these views with absolute puts, which the limit would cut short for a larger next batch.
        source.clear();
    }

    /** Makes renames in {@code dir} durable; platforms that cannot open a directory (Windows) skip it. */
    private static void syncDirectory(Path dir) {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException e) {
            // The renames are still atomic; only their durability across a power cut is weaker there.
        }
    }

    private static IOException closeQuietly(FileChannel file, IOException failure) {
        if (file == null) {
            return failure;
        }
        try {
            file.close();
        } catch (IOException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }
}
