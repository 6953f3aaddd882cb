package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study in which llama.cpp aborts on one model (through ggml_abort, after its first batch): under
 * --on-model-error stop the study ends with one line naming the model and the signal; under skip it finishes with
 * the others, and study.json and the report name the skipped model and why. strata itself survives both.
 */
class StudyModelErrorTest {
    private static final String FAULT = "strata.worker.fault";
    @TempDir static Path tmp;
    static List<String> common;
    static Path aborting;

    @BeforeAll
    static void models() throws IOException {
        Path vocab = Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf");
        List<String> args = new ArrayList<>(List.of("study"));
        for (String name : List.of("first", "aborting", "third")) {
            Path model = tmp.resolve(name + ".gguf");
            RandomLlamaModel.builder().vocabularyFrom(vocab).blocks(2).width(32).heads(4).kvHeads(2).ffnWidth(64)
                    .contextLength(256).seed(name.length()).weightType(GgmlType.F32).write(model);
            args.addAll(List.of("--model", model.toString()));
            if (name.equals("aborting")) aborting = model;
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 12; i++) prompts.add("Prompt number " + i + " about " + (i % 2 == 0 ? "rivers" : "bees"));
        Path corpus = tmp.resolve("prompts.txt");
        Files.write(corpus, prompts);
        args.addAll(List.of("--corpus", corpus.toString(), "-k", "3", "--resamples", "20", "--max-tokens", "32",
                "--parallel", "4", "--threads", "2", "--device", "cpu", "--quiet"));
        common = List.copyOf(args);
        System.setProperty(FAULT, "aborting.gguf:4");
    }

    @AfterAll
    static void clearFault() {
        System.clearProperty(FAULT);
    }

    @Test
    void stopEndsTheStudyWithOneLineNamingTheModel() {
        Path out = tmp.resolve("stop");
        String[] err = new String[1];
        int code = run(err, "--out", out.toString());
        assertEquals(1, code, err[0]);
        String last = err[0].strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("strata study: " + aborting + ": "), err[0]);
        assertTrue(last.contains("killed by SIGABRT") && last.contains("strata test fault"), last);
        assertFalse(Files.exists(out.resolve("study.json")), "a stopped study writes no study.json");
        assertTrue(Files.exists(out.resolve("models/first/activations-last.safetensors")), "the model before is kept");
    }

    @Test
    @SuppressWarnings("unchecked")
    void skipFinishesWithTheOthersAndSaysWhichModelAndWhy() throws IOException {
        Path out = tmp.resolve("skip");
        String[] err = new String[1];
        assertEquals(0, run(err, "--out", out.toString(), "--on-model-error", "skip"), err[0]);
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("study.json")));
        List<Map<String, Object>> models = (List<Map<String, Object>>) json.get("models");
        assertEquals(List.of("first", "third"), models.stream().map(m -> m.get("name")).toList());
        List<Map<String, Object>> skipped = (List<Map<String, Object>>) json.get("skipped");
        assertEquals(1, skipped.size());
        assertEquals("aborting", skipped.getFirst().get("name"));
        assertEquals(aborting.toString(), skipped.getFirst().get("file"));
        String reason = (String) skipped.getFirst().get("reason");
        assertTrue(reason.contains("killed by SIGABRT") && reason.contains("strata test fault: abort after 4 prompts"),
                reason);
        assertEquals(3, ((List<?>) json.get("pairs")).size(), "two within-model pairs and one across");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<h2>Models skipped</h2>") && html.contains("killed by SIGABRT"), "report names it");
    }

    private static int run(String[] err, String... more) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(more));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            return Main.run(args.toArray(String[]::new));
        } finally {
            System.setErr(oldErr);
            err[0] = bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
