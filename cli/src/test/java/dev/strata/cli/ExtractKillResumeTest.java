package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `strata extract` killed with SIGKILL mid-run, then --resume: the files equal an uninterrupted run's, byte for byte. */
class ExtractKillResumeTest {
    @TempDir Path tmp;

    @Test
    void killedThenResumedGivesTheSameBytes() throws Exception {
        Path model = tmp.resolve("m.gguf");
        RandomLlamaModel.builder().vocabularyFrom(Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf"))
                .blocks(2).width(64).heads(4).kvHeads(2).ffnWidth(128).seed(3).weightType(GgmlType.F32).write(model);
        SplittableRandom random = new SplittableRandom(11);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            prompts.add("prompt " + i + " " + "word ".repeat(1 + random.nextInt(30)));
        }
        Path corpus = tmp.resolve("c.txt");
        Files.write(corpus, prompts);
        String[] common = {"extract", "--model", model.toString(), "--corpus", corpus.toString(), "--parallel", "2",
                "--batch-tokens", "64", "--max-tokens", "32", "--threads", "1", "--quiet"};

        Path whole = tmp.resolve("whole");
        assertEquals(0, Main.run(concat(common, "--out", whole.toString())));

        Path killed = tmp.resolve("killed");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dstrata.native.dir=" + System.getProperty("strata.native.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(concat(common, "--out", killed.toString())));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path checkpoint = killed.resolve("checkpoint.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // Kill after a few batches are checkpointed, while the run is still going.
        while (System.nanoTime() < deadline && child.isAlive()
                && !(Files.exists(checkpoint) && Files.readString(checkpoint).matches(".*\"promptsDone\":([3-9]\\d|\\d{3}).*"))) {
            Thread.sleep(5);
        }
        assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("child.log")));
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
        child.waitFor();
        assertTrue(!Files.exists(killed.resolve("manifest.json")), "the killed run did not finish");

        assertEquals(0, Main.run(concat(common, "--out", killed.toString(), "--resume")));
        for (String file : List.of("activations-last.safetensors", "activations-mean.safetensors", "prompts.jsonl")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(killed.resolve(file)), file);
        }
        assertEquals(1, Main.run(concat(common, "--out", killed.toString())), "a finished directory is not overwritten unasked");
        String refusal = stderrOf(concat(common, "--out", killed.toString()));
        assertTrue(refusal.startsWith("strata extract: " + killed + " already holds a finished extraction; use --resume")
                && refusal.contains("--overwrite to start over"), "the CLI names its own flags: " + refusal);
    }

    @Test
    void poolingStoresTheNamedFilesOnly() throws Exception {
        Path model = tmp.resolve("m.gguf");
        RandomLlamaModel.builder().vocabularyFrom(Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf"))
                .blocks(2).width(64).heads(4).kvHeads(2).ffnWidth(128).seed(3).weightType(GgmlType.F32).write(model);
        Path corpus = tmp.resolve("c.txt");
        Files.write(corpus, List.of("one prompt", "and another, a little longer", "a third"));
        String[] common = {"extract", "--model", model.toString(), "--corpus", corpus.toString(), "--quiet"};
        Path out = tmp.resolve("last");
        assertEquals(0, Main.run(concat(common, "--out", out.toString(), "--pooling", "last")));
        assertTrue(Files.exists(out.resolve("activations-last.safetensors")));
        assertTrue(!Files.exists(out.resolve("activations-mean.safetensors")), "mean was not asked for");
        assertTrue(Files.readString(out.resolve("manifest.json")).contains("\"poolings\":[\"last\"]"));
        assertEquals(1, Main.run(concat(common, "--out", tmp.resolve("bad").toString(), "--pooling", "max")),
                "an unknown pooling is refused");
        assertTrue(!Files.exists(tmp.resolve("bad")), "nothing is written for a refused option");
        Path chosen = tmp.resolve("chosen");
        assertEquals(0, Main.run(concat(common, "--out", chosen.toString(), "--pooling", "mean-skip-first,last")));
        assertTrue(Files.exists(chosen.resolve("activations-last.safetensors")));
        assertTrue(Files.exists(chosen.resolve("activations-mean-skip-first.safetensors")));
        assertTrue(!Files.exists(chosen.resolve("activations-mean.safetensors")), "mean was not asked for");
        assertTrue(Files.readString(chosen.resolve("manifest.json")).contains("\"poolings\":[\"last\",\"mean-skip-first\"]"));
    }

    /** What a refused run prints on stderr. */
    private static String stderrOf(String[] args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, Main.run(args));
            return err.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(before);
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
