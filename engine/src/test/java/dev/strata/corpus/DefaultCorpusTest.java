package dev.strata.corpus;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default corpus as `make corpus` builds it (cli/src/main/sh/make-default-corpus.py). Skipped where it is not
 * built; STRATA_DEFAULT_CORPUS names another copy to check.
 */
class DefaultCorpusTest {
    private static final String PIN = "cli/src/main/sh/default-corpus.pin";
    private static final List<String> SOURCES = List.of("factbook", "austen", "melville", "jargon", "bierce");

    private static final java.util.regex.Pattern HTML =
            java.util.regex.Pattern.compile("</?(br|em|strong|p|b|i|a|span|div|ul|li)( [^>]*)?/?>|&(amp|lt|gt|nbsp|quot);");

    private static Path root;
    private static Path file;

    @BeforeAll
    static void locate() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve(PIN))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no " + PIN + " above " + System.getProperty("user.dir"));
        root = dir;
        String override = System.getenv("STRATA_DEFAULT_CORPUS");
        file = override != null && !override.isBlank() ? Path.of(override) : root.resolve("build/corpus/default.jsonl");
    }

    private static Corpus corpus() throws IOException {
        assumeTrue(Files.isRegularFile(file), file + " is not built (run `make corpus`); skipping");
        return Corpus.load(file);
    }

    private static String source(Prompt p) {
        return p.id().substring(0, p.id().indexOf('-'));
    }

    @Test
    void matchesItsPin() throws IOException {
        Corpus corpus = corpus();
        String pinned = Files.readAllLines(root.resolve(PIN)).stream()
                .filter(l -> l.startsWith("output "))
                .map(l -> l.trim().split("\\s+"))
                .findFirst().orElseThrow()[4];
        assertEquals(pinned, corpus.sha256(), "sha256 of " + file + " against " + PIN);
        assertEquals(4096, corpus.size());
    }

    @Test
    void passagesAreOfTheRightSizeAndUnique() throws IOException {
        Corpus corpus = corpus();
        assertTrue(corpus.size() >= 2048, "at least the paper's n = 2048 passages, got " + corpus.size());
        Set<String> texts = new HashSet<>();
        for (Prompt p : corpus.prompts()) {
            int length = p.text().length();
            assertTrue(length >= 100 && length <= 2000, p.id() + ": " + length + " characters");
            assertEquals(p.text().strip(), p.text(), p.id() + ": surrounding whitespace");
            assertTrue(texts.add(p.text()), p.id() + ": the same text twice");
            assertTrue(SOURCES.contains(source(p)), p.id() + ": unknown source");
        }
        // Ids are unique by Corpus.load; that they are meaningful is checked above.
    }

    @Test
    void hasNoProjectGutenbergBoilerplate() throws IOException {
        for (Prompt p : corpus().prompts()) {
            String text = p.text();
            assertFalse(text.toLowerCase(java.util.Locale.ROOT).contains("project gutenberg"), p.id());
            assertFalse(text.contains("*** START") || text.contains("*** END"), p.id());
            // The Factbook's fields carry HTML; the Jargon File's <placeholders> are text.
            assertFalse(HTML.matcher(text).find(), p.id() + ": HTML tags");
        }
    }

    @Test
    void everyPrefixMixesTheSources() throws IOException {
        Corpus corpus = corpus();
        for (int n : new int[] {64, 512, 2048}) {
            Map<String, Integer> counts = new TreeMap<>();
            corpus.head(n).prompts().forEach(p -> counts.merge(source(p), 1, Integer::sum));
            assertEquals(SOURCES.size(), counts.size(), "first " + n + ": " + counts);
            for (var e : counts.entrySet()) {
                assertTrue(e.getValue() >= n / 50, "first " + n + ": too few from " + e.getKey() + ": " + counts);
                assertTrue(e.getValue() <= n / 2, "first " + n + ": too many from " + e.getKey() + ": " + counts);
            }
        }
    }

    @Test
    void aPromptOverOneMebibyteIsRefusedNamingItsLine(@TempDir Path tmp) throws IOException {
        corpus();
        List<String> lines = Files.readAllLines(file);
        // Real passages glued into one prompt, as a file with lost line breaks would have them.
        StringBuilder glued = new StringBuilder();
        for (int i = 0; glued.length() <= Corpus.MAX_LINE_BYTES; i = (i + 1) % lines.size()) {
            glued.append(lines.get(i), 0, Math.min(lines.get(i).length(), 200)).append(' ');
        }
        Path txt = tmp.resolve("glued.txt");
        Files.writeString(txt, "first prompt\n" + glued + "\nlast prompt\n");
        CorpusException e = assertThrows(CorpusException.class, () -> Corpus.load(txt));
        assertEquals("glued.txt:2: line of " + glued.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + " bytes; a prompt may have up to 1048576 bytes (1 MiB)", e.getMessage());
        String ascii = glued.toString().replaceAll("[^\\x20-\\x7e]", "?"); // one byte a character
        Files.writeString(txt, "first prompt\n" + ascii.substring(0, Corpus.MAX_LINE_BYTES) + "\n");
        assertEquals(2, Corpus.load(txt).size(), "a line within the limit is a prompt");
    }

    @Test
    void aDamagedByteOrABlankLineInTheRealCorpusIsNamedByLine(@TempDir Path tmp) throws IOException {
        corpus();
        byte[] bytes = Files.readAllBytes(file);
        int line = 0;
        int at = 0;
        while (line < 99) {
            if (bytes[at++] == '\n') line++;
        }
        int byteInLine100 = at + 20;
        byte[] damaged = bytes.clone();
        damaged[byteInLine100] = (byte) 0xC3; // a lead byte before ASCII, as a cut multi-byte character leaves it
        damaged[byteInLine100 + 1] = 'x';
        Path broken = tmp.resolve("broken.jsonl");
        Files.write(broken, damaged);
        assertEquals("broken.jsonl:100: invalid UTF-8 (at byte offset " + byteInLine100 + ")",
                assertThrows(CorpusException.class, () -> Corpus.load(broken)).getMessage());
        Path blank = tmp.resolve("blank.jsonl");
        byte[] withBlank = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withBlank, 0, at);
        withBlank[at] = '\n';
        System.arraycopy(bytes, at, withBlank, at + 1, bytes.length - at);
        Files.write(blank, withBlank);
        assertEquals("blank.jsonl:100: blank line (each line must be a JSON object with a \"text\" field)",
                assertThrows(CorpusException.class, () -> Corpus.load(blank)).getMessage());
    }

    @Test
    void aCorpusOverTwoGibibytesIsRefusedBeforeItIsRead(@TempDir Path tmp) throws IOException {
        corpus();
        Path huge = tmp.resolve("huge.jsonl");
        Files.copy(file, huge);
        // Sparse: the size is what matters, and nothing of it is read.
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            raf.setLength(Corpus.MAX_FILE_BYTES + 1);
        }
        CorpusException e = assertThrows(CorpusException.class, () -> Corpus.load(huge));
        assertEquals("huge.jsonl: is " + (Corpus.MAX_FILE_BYTES + 1) + " bytes; strata reads corpora of up to 2 GiB"
                + " (split it, or take its first lines)", e.getMessage());
    }
}
