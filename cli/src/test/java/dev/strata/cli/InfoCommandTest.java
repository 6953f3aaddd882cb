package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.bindings.CpuBackend;
import dev.strata.bindings.Ggml;
import dev.strata.gguf.RandomLlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `strata info` lists the pre-flight problems and exits 1; `strata extract` refuses the same file in one line. */
class InfoCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    Path tinyModel(String name, float ropeBase) throws IOException {
        Path file = dir.resolve(name);
        Path vocab = Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf");
        RandomLlamaModel.builder().vocabularyFrom(vocab).blocks(2).width(32).heads(2).kvHeads(1).ffnWidth(64)
                .ropeBase(ropeBase).seed(3).write(file);
        return file;
    }

    @Test
    void systemNamesTheCpuVariantLlamaCppChoseAndItsFeatures() {
        Run info = run("info", "--system");
        assertEquals(0, info.code(), info.err());
        CpuBackend cpu = Ggml.cpuBackend();
        String variant = cpu.variant().orElse("none (a single CPU backend)");
        assertTrue(info.out().lines().anyMatch(l -> l.matches("CPU variant: +" + Pattern.quote(variant + ", " + cpu.library()))), info.out());
        assertTrue(info.out().lines().anyMatch(l -> l.matches("CPU features: +" + Pattern.quote(String.join(" ", cpu.features())))), info.out());
        assertTrue(info.out().lines().anyMatch(l -> l.matches("devices: +CPU: .*")), info.out());
    }

    @Test
    void withNeitherAModelNorSystemInfoAsksForAModel() {
        Run info = run("info");
        assertEquals(2, info.code());
        assertTrue(info.err().contains("MODEL.gguf"), info.err());
    }

    @Test
    void aSoundModelHasNoProblems() throws IOException {
        Run info = run("info", tinyModel("sound.gguf", 10000f).toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("architecture:"), info.out());
        assertFalse(info.out().contains("problems"), info.out());
    }

    @Test
    void aZeroRopeBaseIsListedAndRefused() throws IOException {
        Path model = tinyModel("rope0.gguf", 0f);
        Run info = run("info", model.toString());
        assertEquals(1, info.code());
        assertTrue(info.out().contains("architecture:"), info.out());
        assertTrue(info.out().contains("\n  llama.rope.freq_base is 0.0; allowed: a finite number above 0\n"),
                info.out());

        Path out = dir.resolve("run");
        Run extract = run("extract", "--model", model.toString(), "--corpus", "random-strings", "--n", "2",
                "--out", out.toString(), "--quiet");
        assertEquals(1, extract.code());
        String line = extract.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains(model + ": llama.rope.freq_base is 0.0; allowed: a finite number above 0"), line);
        assertFalse(Files.exists(out.resolve("activations-last.safetensors")));
    }
}
