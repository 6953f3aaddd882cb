package dev.strata.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corpus carried to other machines as a copy in the study's folder: read back the same, refused when changed. */
class CorpusCopyTest {
    @TempDir Path tmp;

    /** The default corpus that `make corpus` builds, above the working folder. */
    static Corpus defaultCorpus() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("build/corpus/default.jsonl"))) dir = dir.getParent();
        assumeTrue(dir != null, "the default corpus is not built (make corpus)");
        return Corpus.load(dir.resolve("build/corpus/default.jsonl"));
    }

    @Test
    void aCopyReadsBackAsTheCorpusItCopies() throws IOException {
        Path bomCrlf = Files.write(tmp.resolve("bom.txt"), "\uFEFFcafé\r\nnaïve ☃\r\nthird\r\n"
                .getBytes(StandardCharsets.UTF_8));
        Corpus defaultCorpus = defaultCorpus();
        List<Corpus> corpora = List.of(defaultCorpus, defaultCorpus.head(16), Corpus.randomStrings(40, 7),
                Corpus.randomStrings(40, 7).head(9), Corpus.load(bomCrlf), Corpus.load(bomCrlf).head(2));
        Path study = tmp.resolve("study");
        Files.createDirectories(study);
        for (Corpus corpus : corpora) {
            CorpusCopy copy = CorpusCopy.write(corpus, study);
            Corpus read = copy.read();
            assertEquals(corpus.name(), read.name());
            assertEquals(corpus.sha256(), read.sha256(), corpus.name());
            assertEquals(corpus.prompts(), read.prompts(), corpus.name());
            assertEquals(corpus.sha256(), Corpus.load(Path.of(copy.path())).sha256(),
                    "the copy is the corpus's file: " + copy.path());
            assertTrue(Path.of(copy.path()).isAbsolute(), copy.path());
        }
    }

    @Test
    void aTaskCarriesAPathAndAChecksumNotThePrompts() throws IOException {
        Corpus corpus = defaultCorpus();
        CorpusCopy copy = CorpusCopy.write(corpus, tmp);
        assertTrue(serializedSize(corpus) > 2_000_000, "the default corpus holds about 2 MB of prompts");
        assertTrue(serializedSize(copy) < 1_000, serializedSize(copy) + " bytes");
        assertEquals(corpus, corpus.read(), "a task in this process reads the corpus itself");
    }

    @Test
    void aChangedOrMissingCopyFailsWithOneLineThatNamesIt() throws IOException {
        Corpus corpus = Corpus.randomStrings(40, 7);
        CorpusCopy copy = CorpusCopy.write(corpus, tmp);
        Path file = Path.of(copy.path());
        byte[] bytes = Files.readAllBytes(file);
        bytes[5] = (byte) (bytes[5] == 'a' ? 'b' : 'a');
        Files.write(file, bytes);
        String changed = assertThrows(CorpusException.class, copy::read).getMessage();
        assertTrue(changed.startsWith(copy.path() + ": SHA-256 "), changed);
        assertTrue(changed.contains(corpus.sha256()), changed);
        assertFalse(changed.contains("\n"), changed);

        assertEquals(copy, CorpusCopy.write(corpus, tmp), "the same copy, written again");
        assertEquals(corpus.prompts(), copy.read().prompts(), "a damaged copy is written anew");

        Files.delete(file);
        String missing = assertThrows(CorpusException.class, copy::read).getMessage();
        assertTrue(missing.startsWith(copy.path() + ": no such file"), missing);
        assertFalse(missing.contains("\n"), missing);
    }

    private static int serializedSize(Serializable value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.size();
    }
}
