package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk or an output folder that cannot be written: one line naming the file and what is wrong, no file left
 * half-written, and what an earlier run wrote stays as it was. The full disk is a file-size limit ({@code ulimit -f})
 * on a child process, which fails writes the way a full disk does (the JVM ignores SIGXFSZ, so the write returns
 * "File too large"); a small tmpfs would need mount rights.
 */
class FullDiskTest {
    @TempDir Path tmp;
    Path model;
    Path corpus;

    /** What a child run printed and how it ended. */
    record Run(int exitCode, String output) {}

    @BeforeEach
    void modelAndCorpus() throws IOException {
        model = tmp.resolve("m.gguf");
        RandomLlamaModel.builder().vocabularyFrom(Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf"))
                .blocks(2).width(64).heads(4).kvHeads(2).ffnWidth(128).seed(3).weightType(GgmlType.F32).write(model);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 40; i++) prompts.add("prompt " + i + " " + "word ".repeat(1 + i % 7));
        corpus = tmp.resolve("c.txt");
        Files.write(corpus, prompts);
    }

    /** Runs strata in a child JVM whose files may not grow past {@code limitKiB}. */
    Run limited(int limitKiB, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Dstrata.native.dir=" + System.getProperty("strata.native.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        StringBuilder script = new StringBuilder("ulimit -f " + limitKiB + " && exec");
        for (String word : command) script.append(" '").append(word.replace("'", "'\\''")).append('\'');
        Process child = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child hung: " + output);
        // The JVM's own note about the vector module is not strata's output.
        String ours = output.lines().filter(line -> !line.startsWith("WARNING: Using incubator modules"))
                .collect(java.util.stream.Collectors.joining("\n"));
        return new Run(child.exitValue(), ours.strip());
    }

    static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.list(dir)) {
            for (Path file : all.toList()) files.put(file.getFileName().toString(), Files.readAllBytes(file));
        }
        return files;
    }

    @Test
    void extractionThatCannotFitStopsBeforeWritingARow() throws Exception {
        Path out = tmp.resolve("out");
        Run run = limited(16, "extract", "--model", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--threads", "1", "--quiet");
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("strata extract: " + out + ": could not create the activation files (File too large)", run.output());
        assertFalse(Files.exists(out.resolve("manifest.json")));
        assertFalse(Files.exists(out.resolve("activations-last.safetensors")));
        // Given room, the same directory then extracts normally.
        assertEquals(0, Main.run("extract", "--model", model.toString(), "--corpus", corpus.toString(), "--out",
                out.toString(), "--threads", "1", "--quiet"));
    }

    @Test
    void knnAndCompareThatCannotWriteLeaveTheEarlierResultsAsTheyWere() throws Exception {
        Path acts = tmp.resolve("acts");
        assertEquals(0, Main.run("extract", "--model", model.toString(), "--corpus", corpus.toString(), "--out",
                acts.toString(), "--threads", "1", "--pooling", "last", "--quiet"));
        Path knn = acts.resolve("knn.npy");
        String activations = acts.resolve("activations-last.safetensors").toString();
        assertEquals(0, Main.run("knn", "--activations", activations, "-k", "5", "--out", knn.toString(), "--quiet"));
        Map<String, byte[]> before = contents(acts);

        Run run = limited(1, "knn", "--activations", activations, "-k", "5", "--out", knn.toString(), "--quiet");
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("strata knn: " + knn + ": could not be written (File too large); what was there is unchanged",
                run.output());
        assertEquals(before.keySet(), contents(acts).keySet(), "no partial file is left");
        before.forEach((name, bytes) -> assertArrayEquals(bytes, contentsUnchecked(acts.resolve(name)), name));

        Path pair = tmp.resolve("pair");
        assertEquals(0, Main.run("compare", "--a", knn.toString(), "--b", knn.toString(), "--out", pair.toString()));
        Map<String, byte[]> comparison = contents(pair);
        run = limited(1, "compare", "--a", knn.toString(), "--b", knn.toString(), "--out", pair.toString());
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().matches("strata compare: " + java.util.regex.Pattern.quote(pair.toString())
                + "/[a-z]+\\.[a-z]+: could not be written \\(File too large\\); what was there is unchanged"), run.output());
        assertEquals(comparison.keySet(), contents(pair).keySet(), "no partial file is left");
        comparison.forEach((name, bytes) -> assertArrayEquals(bytes, contentsUnchecked(pair.resolve(name)), name));
    }

    @Test
    void anOutputFolderThatCannotBeMadeIsNamed() throws Exception {
        Path blocker = tmp.resolve("a-file");
        Files.writeString(blocker, "not a folder");
        Run run = limited(1 << 20, "extract", "--model", model.toString(), "--corpus", corpus.toString(), "--out",
                blocker.toString(), "--threads", "1", "--quiet");
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("strata extract: cannot make the folder " + blocker + ": a file has that name", run.output());
        Path below = blocker.resolve("out");
        run = limited(1 << 20, "knn", "--activations", tmp.resolve("none.safetensors").toString(), "-k", "5", "--out",
                below.resolve("knn.npy").toString(), "--quiet");
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("strata knn: no such file: " + tmp.resolve("none.safetensors"), run.output());
        run = limited(1 << 20, "extract", "--model", model.toString(), "--corpus", corpus.toString(), "--out",
                below.toString(), "--threads", "1", "--quiet");
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("strata extract: " + below + ": Not a directory", run.output());
        assertEquals("not a folder", Files.readString(blocker));
    }

    private static byte[] contentsUnchecked(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
