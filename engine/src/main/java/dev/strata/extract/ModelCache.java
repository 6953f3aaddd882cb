package dev.strata.extract;

import dev.strata.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * Keeps the last model an {@link Extractor} loaded, with its file's sha256, for the next run in the same JVM: an
 * executor that runs a model's shards and its tokenizing one after another loads and hashes the model once, not per
 * task. One model at a time, so memory (and GPU memory) holds no more than a run without the cache; a model still in
 * use when another is asked for is freed when its last lease closes. A file changed on disk (size or modification time)
 * is loaded anew. Thread-safe.
 */
public final class ModelCache implements AutoCloseable {
    private Entry current;

    /**
     * The model in {@code file} loaded with {@code gpuLayers} offloaded blocks on GPU {@code gpu} (or
     * {@link ExtractOptions#ANY_GPU}), shared until every lease is closed.
     */
    public synchronized Lease open(Path file, int gpuLayers, int gpu) throws IOException {
        Path path = file.toAbsolutePath().normalize();
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        if (current == null || !current.matches(path, gpuLayers, gpu, attributes)) {
            retire();
            // Loaded before hashing: a file llama.cpp cannot use fails without reading gigabytes first.
            LoadedModel model = LoadedModel.open(file, gpuLayers, gpu);
            try {
                current = new Entry(model, Sha256.of(file), path, gpuLayers, gpu, attributes.size(),
                        attributes.lastModifiedTime());
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
        current.leases++;
        return new Lease(this, current);
    }

    /** Frees the model once its leases are closed; the cache loads anew after this. */
    @Override
    public synchronized void close() {
        retire();
    }

    private void retire() {
        if (current == null) return;
        current.retired = true;
        if (current.leases == 0) current.model.close();
        current = null;
    }

    private synchronized void release(Entry entry) {
        entry.leases--;
        if (entry.retired && entry.leases == 0) entry.model.close();
    }

    /** One run's use of a cached model; closing it never frees a model the cache still keeps. */
    public static final class Lease implements AutoCloseable {
        private final ModelCache cache;
        private final Entry entry;
        private boolean closed;

        private Lease(ModelCache cache, Entry entry) {
            this.cache = cache;
            this.entry = entry;
        }

        public LoadedModel model() {
            return entry.model;
        }

        /** The sha256 of the model's file, as it was when loaded. */
        public String sha256() {
            return entry.sha256;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            cache.release(entry);
        }
    }

    private static final class Entry {
        final LoadedModel model;
        final String sha256;
        final Path path;
        final int gpuLayers;
        final int gpu;
        final long size;
        final FileTime modified;
        int leases;
        boolean retired;

        Entry(LoadedModel model, String sha256, Path path, int gpuLayers, int gpu, long size, FileTime modified) {
            this.model = model;
            this.sha256 = sha256;
            this.path = path;
            this.gpuLayers = gpuLayers;
            this.gpu = gpu;
            this.size = size;
            this.modified = modified;
        }

        boolean matches(Path file, int layers, int device, BasicFileAttributes attributes) {
            return path.equals(file) && gpuLayers == layers && gpu == device && size == attributes.size()
                    && modified.equals(attributes.lastModifiedTime());
        }
    }
}
