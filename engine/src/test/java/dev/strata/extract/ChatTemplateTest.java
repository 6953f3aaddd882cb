package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.extract.worker.WorkerExtraction;
import dev.strata.io.Sha256;
import dev.strata.store.ActivationsFile;
import dev.strata.store.ActivationsMetadata;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import dev.strata.store.StoreMismatchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --chat-template} on the real models: SmolLM2 and Qwen2.5 carry ChatML templates, which llama.cpp renders as
 * one user turn and the start of the assistant's reply; Gemma 3 270M (a base model) carries none and is refused.
 */
class ChatTemplateTest {
    /** The ChatML turn llama.cpp writes for a user message, the generation prompt added, built by hand. */
    static String chatMl(String prompt) {
        return "<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n";
    }

    static final ExtractOptions OPTIONS = new ExtractOptions(64, 256, 4, 2, 0, EnumSet.of(Pooling.LAST), false, true);

    @TempDir Path tmp;

    static Path family(String name) {
        return RealModelsTest.present(RealModelsTest.MODELS.stream().filter(m -> m.family().equals(name)).findFirst()
                .orElseThrow());
    }

    Corpus corpus(List<String> prompts) throws IOException {
        Path file = tmp.resolve("prompts-" + prompts.size() + ".txt");
        Files.write(file, prompts);
        return Corpus.load(file);
    }

    @Test
    void qwenWrapsAPromptInChatMlAndItsTokensAreTheHandTokenizedTurn() throws IOException {
        try (LoadedModel model = LoadedModel.open(family("qwen2"), 0)) {
            ChatTemplate template = ChatTemplate.of(model);
            assertEquals(chatMl("Hello world"), template.wrap("Hello world"));
            // Qwen2.5's vocabulary: <|im_start|> 151644, user 872, \n 198, Hello 9707, " world" 1879, <|im_end|> 151645,
            // assistant 77091. No BOS: Qwen adds none.
            assertArrayEquals(new int[] {151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198},
                    template.tokenize("Hello world"));
            assertEquals(5, template.closingTokens());
            assertEquals(8, template.addedTokens());
            assertEquals(Sha256.of(model.chatTemplate().orElseThrow().getBytes(StandardCharsets.UTF_8)), template.sha256());
        }
    }

    @Test
    void eachRealPromptTokenizesAsItsWholeWrappedText() throws IOException {
        for (String family : List.of("smollm2", "qwen2")) {
            try (LoadedModel model = LoadedModel.open(family(family), 0)) {
                ChatTemplate template = ChatTemplate.of(model);
                for (String prompt : RealModelsTest.PROMPTS) {
                    assertEquals(chatMl(prompt), template.wrap(prompt), family);
                    assertArrayEquals(model.tokenize(chatMl(prompt), true, true), template.tokenize(prompt),
                            family + ": " + prompt);
                }
                // A passage quoting a template's marker keeps it as text: it does not end the turn early.
                int[] endOfTurn = model.tokenize("<|im_end|>", false, true);
                assertEquals(1, endOfTurn.length, family);
                long ends = Arrays.stream(template.tokenize("say <|im_end|> now")).filter(t -> t == endOfTurn[0]).count();
                assertEquals(1, ends, family + ": only the template's own end of turn");
            }
        }
    }

    @Test
    void aModelWithoutATemplateIsRefusedInOneLineNamingItsFile() throws IOException {
        Path gemma = family("gemma3");
        try (LoadedModel model = LoadedModel.open(gemma, 0)) {
            assertTrue(model.chatTemplate().isEmpty());
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(model));
            assertEquals(gemma + ": the model has no chat template (no tokenizer.chat_template in its metadata) to wrap"
                    + " the prompts in", e.getMessage());
        }
        Corpus corpus = corpus(RealModelsTest.PROMPTS.subList(0, 3));
        try (WorkerExtraction worker = new WorkerExtraction("test")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> worker.run(gemma, corpus,
                    tmp.resolve("gemma"), OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {}));
            assertTrue(e.getMessage().startsWith(gemma + ": the model has no chat template"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    /** The bag-of-tokens baseline counts the tokens the extraction feeds the model: template, BOS and cut included. */
    @Test
    void tokenizeGivesTheTokensTheExtractionFeedsTheModel() throws IOException {
        Corpus corpus = corpus(List.of("Hello world", "Hello world Hello world Hello world"));
        ExtractOptions twelve = new ExtractOptions(12, 256, 4, 2, 0, EnumSet.of(Pooling.LAST), false, true);
        int[][] expected = new int[2][];
        int[][] plain = new int[2][];
        try (LoadedModel model = LoadedModel.open(family("qwen2"), 0)) {
            expected[0] = new int[] {151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198};
            int[] whole = ChatTemplate.of(model).tokenize(corpus.get(1).text());
            assertTrue(whole.length > 12, "the second prompt is cut");
            // Cut as the extraction cuts: its first 7 tokens, then the template's 5 closing ones.
            expected[1] = new int[12];
            System.arraycopy(whole, 0, expected[1], 0, 7);
            System.arraycopy(whole, whole.length - 5, expected[1], 7, 5);
        }
        try (LoadedModel model = LoadedModel.open(family("gemma3"), 0)) {
            // Gemma adds BOS (id 2); without a template a cut prompt keeps its first tokens.
            for (int i = 0; i < 2; i++) {
                int[] whole = model.tokenize(corpus.get(i).text());
                assertEquals(2, whole[0]);
                plain[i] = Arrays.copyOf(whole, Math.min(12, whole.length));
            }
        }
        ExtractOptions noTemplate = new ExtractOptions(12, 256, 4, 2, 0, EnumSet.of(Pooling.LAST), false, false);
        try (WorkerExtraction worker = new WorkerExtraction("test")) {
            assertArrayEquals(expected, worker.tokenize(family("qwen2"), corpus, twelve));
            assertArrayEquals(plain, worker.tokenize(family("gemma3"), corpus, noTemplate));
        }
        assertArrayEquals(expected, new Extractor("test").tokenize(family("qwen2"), corpus, twelve), "in process");
    }

    @Test
    void theWorkerAndThisProcessStoreTheSameWrappedPromptsAndRecordTheTemplate() throws IOException {
        Path smollm = family("smollm2");
        // The long prompt is cut: it keeps its first tokens and the template's closing ones.
        String longPrompt = "word ".repeat(200).strip();
        Corpus corpus = corpus(List.of(RealModelsTest.PROMPTS.get(0), longPrompt, RealModelsTest.PROMPTS.get(1)));
        Path inProcess = tmp.resolve("in-process");
        Path worker = tmp.resolve("worker");
        new Extractor("test").run(smollm, corpus, inProcess, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {});
        try (WorkerExtraction extraction = new WorkerExtraction("test")) {
            extraction.run(smollm, corpus, worker, OPTIONS, IfExists.REFUSE, (d, t, k, s) -> {});
        }
        for (String file : List.of(Pooling.LAST.fileName(), "prompts.jsonl")) {
            assertArrayEquals(Files.readAllBytes(inProcess.resolve(file)), Files.readAllBytes(worker.resolve(file)), file);
        }
        String templateSha;
        int[] expectedTokens = new int[3];
        try (LoadedModel model = LoadedModel.open(smollm, 0)) {
            templateSha = Sha256.of(model.chatTemplate().orElseThrow().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                expectedTokens[i] = Math.min(64, model.tokenize(chatMl(corpus.get(i).text()), true, true).length);
            }
        }
        List<String> lines = Files.readAllLines(inProcess.resolve("prompts.jsonl"));
        for (int i = 0; i < 3; i++) {
            Map<String, Object> line = JSON.std.mapFrom(lines.get(i));
            assertEquals(expectedTokens[i], ((Number) line.get("tokens")).intValue(), lines.get(i));
            assertEquals(i == 1, line.get("truncated"), lines.get(i));
        }
        try (ActivationsFile file = ActivationsFile.open(inProcess.resolve(Pooling.LAST.fileName()))) {
            ActivationsMetadata metadata = file.metadata();
            assertTrue(metadata.chatTemplateApplied());
            assertEquals(templateSha, metadata.chatTemplateSha256());
        }
    }

    @Test
    void aStoreMadeWithoutTheTemplateIsNotResumedWithIt() throws IOException {
        Path smollm = family("smollm2");
        Corpus corpus = corpus(RealModelsTest.PROMPTS.subList(0, 3));
        Path dir = tmp.resolve("plain");
        ExtractOptions plain = OPTIONS.withChatTemplate(false);
        new Extractor("test").run(smollm, corpus, dir, plain, IfExists.REFUSE, (d, t, k, s) -> {});
        try (ActivationsFile file = ActivationsFile.open(dir.resolve(Pooling.LAST.fileName()))) {
            assertNull(file.metadata().chatTemplateSha256());
            assertFalse(file.metadata().toStrings().containsKey("chat_template"));
        }
        StoreMismatchException e = assertThrows(StoreMismatchException.class, () -> new Extractor("test").run(smollm,
                corpus, dir, OPTIONS, IfExists.RESUME, (d, t, k, s) -> {}));
        assertTrue(e.getMessage().contains("chat_template=yes"), e.getMessage());
    }

    @Test
    void aCutPromptKeepsItsClosingTokens() {
        int[] prompt = new int[20];
        Arrays.setAll(prompt, i -> i + 1);
        ExtractOptions options = new ExtractOptions(8, 64, 4, 1, 0);
        int[] tokens = new int[64];
        int[] lengths = new int[4];
        int[] full = new int[4];
        PromptPacker packer = new PromptPacker(i -> prompt, 1, 0, options, 3);
        PromptPacker.Packed packed = packer.pack(tokens, lengths, full);
        assertEquals(1, packed.count());
        assertEquals(8, lengths[0]);
        assertEquals(20, full[0]);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 18, 19, 20}, Arrays.copyOf(tokens, 8));
        assertThrows(IllegalArgumentException.class, () -> new PromptPacker(i -> prompt, 1, 0, options, 8));
    }
}
