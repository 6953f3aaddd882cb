package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorporaTest {
    @TempDir Path home;

    @Test
    void defaultIsTheBuiltFileUnderTheProjectRoot() throws IOException {
        Path file = home.resolve(Corpora.DEFAULT_CORPUS);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"id\":\"austen-emma-p0001\",\"text\":\"Emma Woodhouse, handsome, clever, and rich.\"}\n");
        assertEquals(file, Corpora.defaultCorpus(home));
        String old = System.getProperty("strata.home");
        System.setProperty("strata.home", home.toString());
        try {
            Corpus corpus = Corpora.load("default");
            assertEquals(List.of("austen-emma-p0001"), corpus.ids());
        } finally {
            if (old == null) System.clearProperty("strata.home");
            else System.setProperty("strata.home", old);
        }
    }

    @Test
    void aMissingDefaultSaysHowToBuildIt() {
        String message = assertThrows(CorpusException.class, () -> Corpora.defaultCorpus(home)).getMessage();
        assertTrue(message.contains("make corpus"), message);
        assertTrue(message.contains("default.jsonl"), message);
    }

    @Test
    void builtInNamesAreListed() throws IOException {
        List<String> names = new ArrayList<>();
        new Corpora.Names().forEach(names::add);
        assertEquals(List.of("default", "random-strings"), names);
        assertEquals(Corpora.RANDOM_STRINGS_N, Corpora.load("random-strings").size());
    }
}
