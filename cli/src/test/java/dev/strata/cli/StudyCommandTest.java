package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.gguf.GgmlType;
import dev.strata.gguf.RandomLlamaModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** strata study end to end on three small random llama models: report, pairs, study.json, reuse, controls. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudyCommandTest {
    @TempDir static Path tmp;
    static Path out;
    static List<String> command;

    @BeforeAll
    static void models() throws IOException {
        Path vocab = Path.of(System.getProperty("strata.llama.src"), "models", "ggml-vocab-llama-spm.gguf");
        int[][] shapes = {{2, 32, 1}, {3, 48, 2}, {4, 64, 3}}; // blocks, width, seed
        List<String> args = new ArrayList<>(List.of("study"));
        for (int[] s : shapes) {
            Path model = tmp.resolve("tiny-" + s[0] + "x" + s[1] + ".gguf");
            RandomLlamaModel.builder().vocabularyFrom(vocab).blocks(s[0]).width(s[1]).heads(4).kvHeads(2)
                    .ffnWidth(2 * s[1]).contextLength(256).seed(s[2]).weightType(GgmlType.F32).write(model);
            args.addAll(List.of("--model", model.toString()));
        }
        String[] topics = {"rivers", "planets", "bread", "music", "chess", "volcanoes", "bees", "trains"};
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            prompts.add("Note " + i + ": a short remark about " + topics[i % topics.length] + " and "
                    + topics[(i * 3 + 1) % topics.length] + (i % 2 == 0 ? ", written in the morning." : "?"));
        }
        Path corpus = tmp.resolve("prompts.txt");
        Files.write(corpus, prompts);
        out = tmp.resolve("study");
        args.addAll(List.of("--corpus", corpus.toString(), "--out", out.toString(), "-k", "5", "--resamples", "50",
                "--max-tokens", "64", "--threads", "2", "--device", "cpu", "--quiet"));
        command = List.copyOf(args);
    }

    static Map<String, Object> studyJson() throws IOException {
        return JSON.std.mapFrom(Files.readString(out.resolve("study.json")));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> json, String key) {
        return (List<Map<String, Object>>) json.get(key);
    }

    /** Every img src of the report exists and decodes; returns the sources. */
    static Set<String> checkImages() throws IOException {
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(html.contains("http://") || html.contains("https://"), "no external URLs");
        assertFalse(html.contains("<script"), "no scripts");
        Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        Set<String> sources = new LinkedHashSet<>();
        while (m.find()) sources.add(m.group(1));
        for (String src : sources) {
            Path image = out.resolve(src);
            assertTrue(Files.isRegularFile(image), src);
            BufferedImage decoded = ImageIO.read(image.toFile());
            assertNotNull(decoded, src + " decodes");
            assertTrue(decoded.getWidth() > 100 && decoded.getHeight() > 100, src);
        }
        return sources;
    }

    @Test
    @Order(1)
    void writesReportPairsAndStudyJson() throws IOException {
        assertEquals(0, Main.run(command.toArray(String[]::new)));

        try (Stream<Path> dirs = Files.list(out.resolve("pairs"))) {
            assertEquals(6, dirs.count(), "3 within-model + 3 cross-model pairs");
        }
        Map<String, Object> json = studyJson();
        List<Map<String, Object>> pairs = list(json, "pairs");
        assertEquals(6, pairs.size());
        assertEquals(3, pairs.stream().filter(p -> (Boolean) p.get("within_model")).count());
        for (Map<String, Object> p : pairs) {
            assertTrue(Files.isRegularFile(out.resolve((String) p.get("summary"))), p.get("summary").toString());
            assertTrue(Files.isRegularFile(out.resolve((String) p.get("dir")).resolve("heatmap.png")));
        }
        assertTrue(pairs.stream().anyMatch(p -> p.get("a").equals("tiny-2x32") && p.get("b").equals("tiny-4x64")));
        List<Map<String, Object>> models = list(json, "models");
        assertEquals(List.of("tiny-2x32", "tiny-3x48", "tiny-4x64"), models.stream().map(m -> m.get("name")).toList());
        assertEquals(List.of(2, 3, 4), models.stream().map(m -> ((Number) m.get("blocks")).intValue()).toList());
        assertEquals(List.of(2, 3, 4), models.stream().map(m -> ((List<?>) m.get("layers")).size()).toList(),
                "the hf view without h_0 has L layers");
        assertTrue(Files.isRegularFile(out.resolve("models/tiny-3x48/knn-last-k5.npy")));
        checkSensitivity(json);
        checkCalibration(json);
        checkBagOfTokens(json);

        Set<String> images = checkImages();
        assertTrue(images.containsAll(List.of("report/grid.png", "report/depth-map.png", "report/row-maxima.png",
                "report/argmax-depth.png", "report/on-off.png", "report/decay.png", "report/bag-of-tokens.png",
                "report/k-sensitivity.png", "report/bootstrap.png", "report/controls.png", "report/decay-across.png")),
                images.toString());
        assertEquals(17, images.size(), "11 charts and 6 pair heat maps: " + images);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("model pairs the on-diagonal mean"), "the reading is there");
        assertTrue(html.contains("v0.5.0"), "llama.cpp version in the provenance");
        assertTrue(html.contains((String) models.get(0).get("sha256")), "model checksums in the provenance");
    }

    /**
     * Every tokenizer against every model, one M per compared layer; the three models share one vocabulary, so the
     * tokenizer (tokenized in the worker, once per model) makes no difference.
     */
    @SuppressWarnings("unchecked")
    static void checkBagOfTokens(Map<String, Object> json) {
        List<Map<String, Object>> rows = list(json, "bag_of_tokens");
        assertEquals(9, rows.size());
        Map<Object, Object> byModel = new HashMap<>();
        for (Map<String, Object> row : rows) {
            List<Number> m = (List<Number>) row.get("m");
            int blocks = Integer.parseInt(((String) row.get("model")).replaceAll("tiny-(\\d)x.*", "$1"));
            assertEquals(blocks, m.size(), row.toString());
            assertTrue(m.stream().allMatch(v -> v.doubleValue() >= 0 && v.doubleValue() <= 1), row.toString());
            Object before = byModel.putIfAbsent(row.get("model"), m);
            if (before != null) assertEquals(before, m, "same vocabulary, same neighbours: " + row);
        }
    }

    /** 40 prompts: k_max is lowered to 39, which covers k = 1 and 10; no subset is smaller than the corpus. */
    @SuppressWarnings("unchecked")
    static void checkSensitivity(Map<String, Object> json) {
        Map<String, Object> settings = (Map<String, Object>) json.get("sensitivity");
        assertEquals(39, ((Number) settings.get("k_max")).intValue());
        assertEquals(List.of(1, 10), ((List<Number>) settings.get("ks")).stream().map(Number::intValue).toList());
        assertEquals(List.of(40), ((List<Number>) settings.get("subsample_sizes")).stream().map(Number::intValue).toList());
        assertTrue(Files.isRegularFile(out.resolve("models/tiny-3x48/knn-last-k39.npy")));
        for (Map<String, Object> p : list(json, "pairs")) {
            List<Map<String, Object>> byK = list(p, "k_sensitivity");
            assertEquals(List.of(1, 10), byK.stream().map(e -> ((Number) e.get("k")).intValue()).toList());
            Map<String, Object> bootstrap = (Map<String, Object>) p.get("bootstrap_interval");
            List<Number> on = (List<Number>) bootstrap.get("on_diagonal_mean");
            assertTrue(on.get(0).doubleValue() <= on.get(1).doubleValue(), on.toString());
            List<Map<String, Object>> subsample = list(p, "subsample");
            assertEquals(1, subsample.size());
            assertEquals(p.get("on_diagonal_mean"), subsample.getFirst().get("on_diagonal_mean"),
                    "the full corpus is the study itself");
        }
    }

    /** Each pair calibrated against 200 shuffles; a model against itself agrees perfectly on its diagonal. */
    @SuppressWarnings("unchecked")
    static void checkCalibration(Map<String, Object> json) throws IOException {
        assertEquals(200, ((Number) ((Map<String, Object>) json.get("calibration")).get("permutations")).intValue());
        for (Map<String, Object> p : list(json, "pairs")) {
            Map<String, Object> calibration = (Map<String, Object>) p.get("calibration");
            Map<String, Object> on = (Map<String, Object>) calibration.get("on_diagonal_mean");
            assertEquals(((Number) p.get("on_diagonal_mean")).doubleValue(), ((Number) on.get("raw")).doubleValue(),
                    1e-12, "raw beside calibrated");
            if ((Boolean) p.get("within_model")) {
                assertEquals(1.0, ((Number) on.get("calibrated")).doubleValue(), 1e-12, p.get("a").toString());
                assertEquals(1.0 / 201, ((Number) on.get("p")).doubleValue(), 1e-12, "no shuffle reaches M = 1");
            }
            Path dir = out.resolve((String) p.get("dir"));
            assertTrue(Files.isRegularFile(dir.resolve("calibrated.npy")), dir.toString());
            Map<String, Object> summary = JSON.std.mapFrom(Files.readString(dir.resolve("summary.json")));
            assertEquals(on.get("calibrated"), ((Map<String, Object>) ((Map<String, Object>) summary.get("calibration"))
                    .get("on_diagonal_mean")).get("calibrated"), "summary.json and study.json agree");
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("Calibrated against 200 shuffles"),
                "the reading says what survives calibration");
    }

    @Test
    @Order(2)
    void aSecondRunReusesEverything() throws IOException {
        Path activations = out.resolve("models/tiny-4x64/activations-last.safetensors");
        Path knn = out.resolve("models/tiny-4x64/knn-last-k5.npy");
        FileTime before = Files.getLastModifiedTime(activations);
        FileTime knnBefore = Files.getLastModifiedTime(knn);
        Path knnMax = out.resolve("models/tiny-4x64/knn-last-k39.npy");
        FileTime knnMaxBefore = Files.getLastModifiedTime(knnMax);
        assertEquals(0, Main.run(command.toArray(String[]::new)));
        assertEquals(before, Files.getLastModifiedTime(activations), "not extracted again");
        assertEquals(knnBefore, Files.getLastModifiedTime(knn), "k-NN not recomputed");
        assertEquals(knnMaxBefore, Files.getLastModifiedTime(knnMax), "k-NN at k_max not recomputed");
        for (Map<String, Object> m : list(studyJson(), "models")) {
            assertEquals(true, m.get("extraction_reused"), m.get("name").toString());
            assertEquals(true, m.get("knn_reused"), m.get("name").toString());
        }
    }

    @Test
    @Order(3)
    void untrainedControlsJoinTheStudy() throws IOException {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--control", "untrained"));
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        for (String name : List.of("tiny-2x32", "tiny-3x48", "tiny-4x64")) {
            assertTrue(Files.isRegularFile(out.resolve("controls/" + name + "-untrained.gguf")), name);
        }
        Map<String, Object> json = studyJson();
        List<Map<String, Object>> models = list(json, "models");
        assertEquals(6, models.size());
        assertEquals("tiny-2x32 (untrained)", models.get(3).get("name"));
        assertEquals("tiny-2x32", models.get(3).get("control_of"));
        assertEquals(21, list(json, "pairs").size(), "6 models: 6 within + 15 across");
        try (Stream<Path> dirs = Files.list(out.resolve("pairs"))) {
            assertEquals(21, dirs.count());
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Pairs with an untrained control"));
        assertTrue(html.contains("Controls beside the result"), "the untrained twins in the controls table");
        checkImages();
    }

    @Test
    @Order(4)
    void theRandomStringsControlIsAStudyOfItsOwnBesideTheMainOneAndTheUntrainedTwins() throws IOException {
        List<String> args = new ArrayList<>(command);
        args.set(args.indexOf(out.toString()), tmp.resolve("strings").toString());
        args.addAll(List.of("--control", "random-strings,untrained"));
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        Path strings = tmp.resolve("strings");
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(strings.resolve("study.json")));
        assertEquals("untrained,random-strings", json.get("control"));
        assertEquals(6, list(json, "models").size(), "three models and their untrained twins");
        @SuppressWarnings("unchecked")
        Map<String, Object> control = (Map<String, Object>) json.get("random_strings");
        assertEquals("controls/random-strings/study.json", control.get("study"));
        Map<String, Object> controlJson = JSON.std.mapFrom(Files.readString(strings.resolve((String) control.get("study"))));
        assertEquals("random-strings(n=40,seed=20250411)", ((Map<?, ?>) controlJson.get("corpus")).get("name"));
        assertEquals(6, list(controlJson, "pairs").size(), "the same three models on the strings");
        String html = Files.readString(strings.resolve("report.html"));
        assertTrue(html.contains("<a href=\"controls/random-strings/report.html\">its own report</a>"));
        assertFalse(html.contains("run with --control"), "both controls in the one controls table");
    }

    @Test
    @Order(5)
    void badArgumentsAreOneLine() {
        assertEquals(1, Main.run("study", "--model", tmp.resolve("missing.gguf").toString(), "--corpus",
                tmp.resolve("prompts.txt").toString(), "--out", tmp.resolve("x").toString(), "--quiet"));
        assertEquals(1, Main.run("study", "--model", tmp.resolve("missing.gguf").toString(), "--corpus",
                tmp.resolve("prompts.txt").toString(), "--out", tmp.resolve("x").toString(), "--pooling", "max"));
    }

    @Test
    @Order(5)
    void sparkWithoutItsModuleIsOneLineAndWritesNothing() {
        Path elsewhere = tmp.resolve("spark-study");
        List<String> args = new ArrayList<>(command);
        args.set(args.indexOf("--out") + 1, elsewhere.toString());
        args.addAll(List.of("--spark", "spark://127.0.0.1:7077"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args.toArray(String[]::new));
        } finally {
            System.setErr(saved);
        }
        assertEquals(1, code);
        assertEquals("strata study: cannot run on 'spark://127.0.0.1:7077': Spark support is not built (make spark"
                + " builds it)\n", err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(elsewhere), "nothing written");
    }
}
