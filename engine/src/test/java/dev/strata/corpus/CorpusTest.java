package dev.strata.corpus;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private String refusal(Path path) {
        return assertThrows(CorpusException.class, () -> Corpus.load(path)).getMessage();
    }

    @Test
    void txtHasOnePromptPerLineWithLineNumberIds() throws IOException {
        Corpus corpus = Corpus.load(file("p.txt", "first prompt\n  second, with spaces  \nthird\n"));
        assertEquals(3, corpus.size(), "a trailing newline makes no extra prompt");
        assertEquals(new Prompt(0, "1", "first prompt"), corpus.get(0));
        assertEquals(new Prompt(1, "2", "  second, with spaces  "), corpus.get(1));
        assertEquals(List.of("1", "2", "3"), corpus.ids());
        assertEquals("p.txt", corpus.name());
    }

    @Test
    void txtWithoutTrailingNewlineKeepsItsLastLine() throws IOException {
        assertEquals("b", Corpus.load(file("p.txt", "a\nb")).get(1).text());
    }

    @Test
    void bomAndCrlfAreStripped() throws IOException {
        byte[] utf8 = "\uFEFFcafé\r\nnaïve ☃\r\n".getBytes(StandardCharsets.UTF_8);
        Corpus corpus = Corpus.load(file("p.txt", utf8));
        assertEquals(List.of("café", "naïve ☃"), corpus.prompts().stream().map(Prompt::text).toList());

        Corpus jsonl = Corpus.load(file("p.jsonl", "\uFEFF{\"text\":\"x\"}\r\n{\"text\":\"y\"}\r\n"));
        assertEquals("y", jsonl.get(1).text());
    }

    @Test
    void headKeepsTheFirstPromptsWithTheChecksumOfTheirLines() throws IOException {
        Corpus corpus = Corpus.load(file("p.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n"
                + "{\"id\":\"c\",\"text\":\"z\"}\n"));
        Corpus head = corpus.head(2);
        assertEquals(List.of("a", "b"), head.ids());
        assertEquals(corpus.prompts().subList(0, 2), head.prompts());
        assertNotEquals(corpus.sha256(), head.sha256());
        assertEquals(Corpus.load(file("q.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n")).sha256(),
                head.sha256(), "the checksum of the file `head -n 2` writes");
        assertEquals(head.sha256(), corpus.head(2).sha256(), "deterministic");
        assertEquals(corpus.head(1).sha256(), head.head(1).sha256(), "a head of a head");
        assertSame(corpus, corpus.head(3));
        assertSame(corpus, corpus.head(10));
        assertEquals("p.jsonl (first 2)", head.name());
        assertThrows(IllegalArgumentException.class, () -> corpus.head(0));
    }

    @Test
    void headSkipsTheBomAndKeepsCrlf() throws IOException {
        byte[] withBom = "\uFEFFa\r\nb\r\nc".getBytes(StandardCharsets.UTF_8);
        Corpus head = Corpus.load(file("p.txt", withBom)).head(2);
        assertEquals(Corpus.load(file("q.txt", "a\r\nb\r\n")).sha256(), head.sha256());
        assertEquals(List.of("a", "b"), head.prompts().stream().map(Prompt::text).toList());
    }

    @Test
    void headOfRandomStringsIsTheShorterControl() {
        Corpus head = Corpus.randomStrings(50, 7).head(20);
        Corpus direct = Corpus.randomStrings(20, 7);
        assertEquals(direct.prompts(), head.prompts());
        assertEquals(direct.sha256(), head.sha256());
        assertNotEquals(Corpus.randomStrings(50, 7).sha256(), head.sha256());
    }

    @Test
    void sha256IsOfTheFileBytes() throws IOException {
        Corpus corpus = Corpus.load(file("p.txt", "abc"));
        // sha256("abc"), the FIPS 180-2 test vector.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", corpus.sha256());
    }

    @Test
    void jsonlReadsTextAndStringOrNumberIds() throws IOException {
        Corpus corpus = Corpus.load(file("p.jsonl", """
                {"id": "doc-a", "text": "alpha", "source": "ignored"}
                {"text": "beta \\u00e9\\n two lines"}
                {"id": 42, "text": "gamma"}
                """));
        assertEquals(new Prompt(0, "doc-a", "alpha"), corpus.get(0));
        assertEquals(new Prompt(1, "2", "beta é\n two lines"), corpus.get(1));
        assertEquals(new Prompt(2, "42", "gamma"), corpus.get(2));
    }

    @Test
    void jsonlErrorsNameFileAndLine() throws IOException {
        assertEquals("p.jsonl:2: blank line (each line must be a JSON object with a \"text\" field)",
                refusal(file("p.jsonl", "{\"text\":\"a\"}\n\n{\"text\":\"b\"}\n")));
        assertTrue(refusal(file("p.jsonl", "{\"text\":\"a\"}\n{\"text\": \"b\"\n")).startsWith("p.jsonl:2: malformed JSON ("));
        assertEquals("p.jsonl:1: malformed JSON (text after the object)", refusal(file("p.jsonl", "{\"text\":\"a\"} {}\n")));
        assertTrue(refusal(file("p.jsonl", "[\"text\"]\n")).startsWith("p.jsonl:1: malformed JSON ("));
        assertEquals("p.jsonl:2: missing \"text\" field", refusal(file("p.jsonl", "{\"text\":\"a\"}\n{\"txt\":\"b\"}\n")));
        assertEquals("p.jsonl:1: \"text\" must be a string, got a number", refusal(file("p.jsonl", "{\"text\":5}\n")));
        assertEquals("p.jsonl:1: \"id\" must be a string or a number, got an array",
                refusal(file("p.jsonl", "{\"text\":\"a\",\"id\":[1]}\n")));
        assertEquals("p.jsonl:3: duplicate id \"x\" (first at line 1)",
                refusal(file("p.jsonl", "{\"text\":\"a\",\"id\":\"x\"}\n{\"text\":\"b\"}\n{\"text\":\"c\",\"id\":\"x\"}\n")));
        assertTrue(refusal(file("p.jsonl", "{\"text\":\"a\",\"text\":\"b\"}\n")).startsWith("p.jsonl:1: malformed JSON ("));
    }

    @Test
    void invalidUtf8NamesTheLine() throws IOException {
        byte[] bytes = "ok\nfine\nbad \u0000here\n".getBytes(StandardCharsets.UTF_8);
        bytes[12] = (byte) 0xC3; // a lead byte followed by ASCII: malformed
        assertEquals("p.txt:3: invalid UTF-8 (at byte offset 12)", refusal(file("p.txt", bytes)));
        byte[] jsonl = "{\"text\":\"a\"}\n{\"text\":\"\u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(refusal(file("p.jsonl", jsonl)).startsWith("p.jsonl:2: invalid UTF-8"));
    }

    @Test
    void emptyPromptsAreAllListedInOneMessage() throws IOException {
        assertEquals("p.txt: 3 empty or whitespace-only prompts at lines 2, 4, 5",
                refusal(file("p.txt", "a\n\nb\n \t\r\n\n")));
        String many = "x\n" + "\n".repeat(25);
        assertEquals("p.txt: 25 empty or whitespace-only prompts at lines "
                        + "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 and 5 more",
                refusal(file("p.txt", many)));
        assertEquals("p.jsonl: 1 empty or whitespace-only prompt at line 2",
                refusal(file("p.jsonl", "{\"text\":\"a\"}\n{\"text\":\"  \"}\n")));
    }

    @Test
    void otherExtensionsAndEmptyFilesAreRefused() throws IOException {
        assertTrue(refusal(file("p.csv", "a\n")).startsWith("p.csv: unsupported corpus type"));
        assertEquals("p.txt: no prompts", refusal(file("p.txt", "")));
    }

    @Test
    void randomStringsAreDeterministicOverTheAlphabet() {
        Corpus a = Corpus.randomStrings(50, 7);
        Corpus b = Corpus.randomStrings(50, 7);
        assertEquals(a.prompts(), b.prompts());
        assertEquals(a.sha256(), b.sha256());
        assertNotEquals(a.get(0).text(), Corpus.randomStrings(50, 8).get(0).text());
        boolean[] seen = new boolean[Corpus.RANDOM_ALPHABET.length()];
        for (Prompt p : a.prompts()) {
            assertEquals(100, p.text().length());
            p.text().chars().forEach(c -> {
                int at = Corpus.RANDOM_ALPHABET.indexOf(c);
                assertTrue(at >= 0, "unexpected character " + (char) c);
                seen[at] = true;
            });
        }
        for (boolean s : seen) {
            assertTrue(s, "5000 uniform draws should cover all 67 characters");
        }
        assertEquals("2", a.get(1).id());
    }

    @Test
    void randomStringsHashLikeTheirTxtFile() throws IOException {
        Corpus generated = Corpus.randomStrings(20, 1);
        String txt = String.join("\n", generated.prompts().stream().map(Prompt::text).toList()) + "\n";
        Corpus saved = Corpus.load(file("r.txt", txt));
        assertEquals(generated.sha256(), saved.sha256());
        assertEquals(generated.prompts(), saved.prompts());
    }
}
