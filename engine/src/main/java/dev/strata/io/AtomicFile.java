package dev.strata.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes a file beside its target, forces it to disk, then renames it into place: readers never see half a file. */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes content produced by {@code writer} to {@code target} atomically. */
    public static void write(Path target, IoConsumer<OutputStream> writer) throws IOException {
        Path tmp = siblingTemp(target);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.accept(out);
            }
            commit(tmp, target);
        } catch (FileSystemException e) {
            throw e; // names its file already (permission denied, not a directory, ...)
        } catch (IOException e) {
            // A full disk or a file-size limit says only "No space left on device" or "File too large".
            throw new IOException(target + ": could not be written (" + e.getMessage() + "); what was there is unchanged", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a string (UTF-8) to {@code target} atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The temporary name used beside {@code target} while it is being written. */
    public static Path siblingTemp(Path target) {
        Path abs = target.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".partial");
    }

    /** Forces {@code written} to disk and renames it to {@code target}, replacing what was there. */
    public static void commit(Path written, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(written, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A consumer that may throw IOException. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T value) throws IOException;
    }
}
