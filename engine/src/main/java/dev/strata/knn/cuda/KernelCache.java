package dev.strata.knn.cuda;

import dev.strata.io.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NVRTC output cached on disk, keyed by (source hash, architecture, NVRTC version, options), under
 * {@code $XDG_CACHE_HOME/strata/cuda} or {@code ~/.cache/strata/cuda}. Files are written to a
 * temporary sibling and moved into place atomically, so a reader never sees half a file; a cache
 * that cannot be read or written is ignored (the kernels are compiled again).
 */
final class KernelCache {
    private final Path dir;

    KernelCache(Path dir) {
        this.dir = dir;
    }

    /** The cache folder for this environment. */
    static Path defaultDir(Map<String, String> env, String userHome) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(userHome, ".cache");
        return base.resolve("strata").resolve("cuda");
    }

    Path dir() {
        return dir;
    }

    /** The file name for a compilation: {@code <name>-<arch>-nvrtc<major.minor>-<hash16>.<cubin|ptx>}. */
    static String key(String name, String source, String arch, int[] nvrtcVersion, List<String> options, boolean cubin) {
        String hash = Sha256.of((source + "\0" + String.join("\0", options)).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return name + "-" + arch + "-nvrtc" + nvrtcVersion[0] + "." + nvrtcVersion[1] + "-" + hash + (cubin ? ".cubin" : ".ptx");
    }

    Optional<byte[]> read(String key) {
        try {
            Path file = dir.resolve(key);
            return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes atomically; returns false (and leaves no temporary file) when the cache is not writable. */
    boolean write(String key, byte[] image) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key + ".", ".tmp");
            Files.write(tmp, image);
            try {
                Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(key), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            return false;
        }
    }
}
