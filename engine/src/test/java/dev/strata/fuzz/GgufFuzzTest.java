package dev.strata.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.gguf.GgufFile;
import dev.strata.gguf.GgufFormatException;
import dev.strata.gguf.ModelSummary;
import dev.strata.gguf.Preflight;
import dev.strata.gguf.PreflightException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF fuzzer (issue 11): mutated copies of tiny random llamas and of the real models, each read by strata's GGUF
 * reader and pre-flight checks in this process and, when they pass, extracted in a child JVM. Every file must end
 * refused with a one-line message naming it, or extracted with finite outputs (or stopped by the non-finite
 * error), or refused cleanly by llama.cpp: no death, no hang, no silent NaN, no exception of our own.
 *
 * <p>{@code strata.fuzz.files} (default 100, {@code make fuzz}: 1000) files from seed {@code strata.fuzz.seed}.
 */
class GgufFuzzTest {
    static final int FILES = Integer.getInteger("strata.fuzz.files", 100);
    static final long SEED = Long.getLong("strata.fuzz.seed", 1);
    /** A child that answers nothing for this long is hung. */
    static final long HANG_SECONDS = 180;
    /** One file in this many comes from a real model (they are 100-500 MB each to write). */
    static final int REAL_EVERY = 10;
    static final List<String> FAILURES = List.of("death", "hang", "in-process-exception", "nonfinite-silent",
            "unclear-message", "java-error");

    @TempDir
    Path dir;

    record Outcome(String name, String message) {}

    @Test
    void noFileKillsHangsOrSilentlyCorrupts() throws Exception {
        List<Path> tiny = List.of(FuzzModels.tinyLlama(dir, "llama-spm"), FuzzModels.tinyLlama(dir, "gpt-2"));
        List<Path> real = FuzzModels.realModels();
        List<String> kinds = GgufMutations.kinds();
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        Map<String, Integer> totals = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        Path mutant = dir.resolve("mutant.gguf");
        try (Child child = new Child(dir.resolve("child"))) {
            for (int i = 0; i < FILES; i++) {
                SplittableRandom random = new SplittableRandom(SEED * 1_000_003L + i);
                Path source = !real.isEmpty() && i % REAL_EVERY == REAL_EVERY - 1
                        ? real.get((i / REAL_EVERY) % real.size())
                        : tiny.get(i % 2);
                // Six files in ten get one structured mutation (the classes in turn), the rest byte flips.
                String kind = i % 10 < 6 ? kinds.get((i / 10 * 6 + i % 10) % kinds.size())
                        : i % 10 < 8 ? "flip_metadata" : "flip_header";
                String detail = write(source, kind, random, mutant);
                Outcome outcome = check(mutant, child);
                String label = source.getFileName() + " " + kind + " [" + detail + "]";
                if (FAILURES.contains(outcome.name())) {
                    failures.add(label + ": " + outcome.name() + ": " + outcome.message());
                }
                counts.computeIfAbsent(kind, k -> new TreeMap<>()).merge(outcome.name(), 1, Integer::sum);
                totals.merge(outcome.name(), 1, Integer::sum);
                Files.deleteIfExists(mutant);
            }
        }
        String report = report(counts, totals, failures);
        System.out.println(report);
        Path summary = Path.of("target", "fuzz-summary.txt");
        Files.createDirectories(summary.getParent());
        Files.writeString(summary, report);
        assertEquals(FILES, totals.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(failures.isEmpty(), report);
    }

    /** Writes the mutant; returns what was done to it. */
    private static String write(Path source, String kind, SplittableRandom random, Path target) throws IOException {
        try (GgufFile gguf = GgufFile.open(source)) {
            EditableGguf edit = EditableGguf.of(gguf);
            String detail;
            if (kind.startsWith("flip_")) {
                detail = "";
            } else {
                GgufMutations.Mutation mutation = GgufMutations.draw(kind, edit, random);
                detail = mutation.detail();
                try {
                    mutation.edit().accept(edit);
                } catch (IllegalArgumentException notHere) {
                    detail += " (not applicable: " + notHere.getMessage() + ")";
                }
            }
            EditableGguf.Layout layout = edit.write(target);
            if (kind.startsWith("flip_")) {
                detail = flip(target, layout, kind.equals("flip_metadata"), random);
            }
            return detail;
        }
    }

    /**
     * Flips one to four random bits in the header: anywhere in it, or ({@code metadata}) outside the big tokenizer
     * arrays, where the hyperparameters and tensor infos are.
     */
    private static String flip(Path file, EditableGguf.Layout layout, boolean metadata, SplittableRandom random)
            throws IOException {
        StringBuilder detail = new StringBuilder();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                long at = random.nextLong(layout.dataOffset());
                for (int tries = 0; metadata && layout.inBigArray(at) && tries < 100; tries++) {
                    at = random.nextLong(layout.dataOffset());
                }
                ByteBuffer one = ByteBuffer.allocate(1);
                channel.read(one, at);
                int bit = random.nextInt(8);
                one.put(0, (byte) (one.get(0) ^ (1 << bit)));
                channel.write(one.flip(), at);
                detail.append(f == 0 ? "" : ",").append(at).append(':').append(bit);
            }
        }
        return detail.toString();
    }

    private static Outcome check(Path mutant, Child child) throws IOException, InterruptedException {
        try (GgufFile gguf = GgufFile.open(mutant)) {
            ModelSummary.of(gguf).format();
            List<Preflight.Problem> problems = Preflight.check(gguf);
            if (!problems.isEmpty()) {
                return oneLine("refused-preflight", new PreflightException(mutant, problems).getMessage(), mutant);
            }
        } catch (GgufFormatException e) {
            return oneLine("refused-reader", e.getMessage(), mutant);
        } catch (RuntimeException | IOException e) {
            return new Outcome("in-process-exception", e.toString());
        }
        return child.extract(mutant);
    }

    private static Outcome oneLine(String name, String message, Path mutant) {
        boolean clear = message.startsWith(mutant + ": ") && !message.contains("\n") && message.length() < 1000;
        return clear ? new Outcome(name, message) : new Outcome("unclear-message", message);
    }

    private static String report(Map<String, Map<String, Integer>> counts, Map<String, Integer> totals,
            List<String> failures) {
        List<String> outcomes = new ArrayList<>(totals.keySet());
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "GGUF fuzz: %d files, seed %d%n", FILES,
                SEED));
        text.append(String.format(Locale.ROOT, "%-22s", "class"));
        outcomes.forEach(o -> text.append(String.format(Locale.ROOT, " %17s", o)));
        text.append('\n');
        counts.forEach((kind, byOutcome) -> {
            text.append(String.format(Locale.ROOT, "%-22s", kind));
            outcomes.forEach(o -> text.append(String.format(Locale.ROOT, " %17d", byOutcome.getOrDefault(o, 0))));
            text.append('\n');
        });
        text.append(String.format(Locale.ROOT, "%-22s", "total"));
        outcomes.forEach(o -> text.append(String.format(Locale.ROOT, " %17d", totals.get(o))));
        text.append('\n');
        failures.forEach(f -> text.append("FAILURE ").append(f).append('\n'));
        return text.toString();
    }

    /** The child JVM ({@link FuzzChild}), restarted after each death or hang. */
    static final class Child implements AutoCloseable {
        private final Path work;
        private final Path log;
        private Process process;
        private BufferedWriter input;
        private BlockingQueue<String> results;

        Child(Path work) throws IOException {
            this.work = Files.createDirectories(work);
            this.log = work.resolve("child.log");
        }

        Outcome extract(Path model) throws IOException, InterruptedException {
            if (process == null) {
                start();
            }
            long logStart = Files.size(log);
            try {
                input.write(model + "\n");
                input.flush();
            } catch (IOException e) {
                // The pipe broke: the child is already gone.
            }
            String line = results.poll(HANG_SECONDS, TimeUnit.SECONDS);
            if (line == null) {
                stop();
                return new Outcome("hang", "no answer in " + HANG_SECONDS + " s");
            }
            if (line.isEmpty()) {
                int status = process.waitFor();
                process = null;
                return new Outcome("death", "exit status " + status + (status > 128 ? " (signal " + (status - 128)
                        + ")" : "") + "; last log line: " + lastLine(logStart));
            }
            String[] fields = line.split("\t", 3);
            return new Outcome(fields[1], fields.length > 2 ? fields[2] : "");
        }

        private void start() throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "--add-modules", "jdk.incubator.vector", "-Xss4m", "-XX:-CreateCoredumpOnCrash",
                    "-XX:ErrorFile=" + work.resolve("hs_err_%p.log"),
                    "-Dstrata.native.dir=" + System.getProperty("strata.native.dir"),
                    "-cp", System.getProperty("java.class.path"), FuzzChild.class.getName(), work.toString()));
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            input = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            BlockingQueue<String> queue = new LinkedBlockingQueue<>();
            results = queue;
            Process started = process;
            Thread reader = new Thread(() -> {
                try (var lines = started.inputReader(StandardCharsets.UTF_8)) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.startsWith("RESULT\t")) {
                            queue.add(line);
                        }
                    }
                } catch (IOException ignored) {
                    // The child died mid-line; the end-of-stream marker below reports it.
                }
                queue.add("");
            });
            reader.setDaemon(true);
            reader.start();
        }

        private String lastLine(long from) throws IOException {
            byte[] bytes = Files.readAllBytes(log);
            String text = new String(bytes, (int) Math.min(from, bytes.length), (int) (bytes.length - Math.min(from,
                    bytes.length)), StandardCharsets.UTF_8);
            List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "(none)" : lines.getLast().strip();
        }

        private void stop() throws InterruptedException {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor();
                process = null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process != null) {
                try {
                    input.close();
                } catch (IOException ignored) {
                    // Already gone.
                }
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    stop();
                }
            }
        }
    }
}
