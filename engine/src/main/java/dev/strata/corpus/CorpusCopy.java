package dev.strata.corpus;

import dev.strata.io.AtomicFile;
import dev.strata.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A corpus as the tasks sent to other machines carry it: the path of a copy of its file in a folder every machine sees
 * (the study's) and the copy's SHA-256, which is the corpus's, instead of its prompts. The copy is read where the task
 * runs; one that is unreadable or differs from what was written fails the task with a line naming it.
 *
 * @param path   the copy, absolute
 * @param name   the corpus's name, which the copy's file name does not keep
 * @param sha256 the SHA-256 of the corpus and of its copy
 */
public record CorpusCopy(String path, String name, String sha256) implements CorpusSource {
    /**
     * Writes {@code corpus}'s file into {@code folder} (a head of a corpus as its lines, a generated one as a .txt),
     * named by its checksum, unless an intact copy is there already.
     */
    public static CorpusCopy write(Corpus corpus, Path folder) throws IOException {
        Path file = folder.toAbsolutePath().resolve("corpus-" + corpus.sha256().substring(0, 16)
                + corpus.fileExtension());
        if (!Files.isRegularFile(file) || !Sha256.of(file).equals(corpus.sha256())) {
            byte[] bytes = corpus.fileBytes();
            AtomicFile.write(file, out -> out.write(bytes));
        }
        return new CorpusCopy(file.toString(), corpus.name(), corpus.sha256());
    }

    @Override
    public Corpus read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(path));
        } catch (NoSuchFileException e) {
            throw new CorpusException(path + ": no such file; this machine does not see the study's copy of its corpus"
                    + " (is the study's folder shared with it?)");
        } catch (IOException e) {
            throw new CorpusException(path + ": cannot read this copy of the study's corpus ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        String actual = Sha256.of(bytes);
        if (!actual.equals(sha256)) {
            throw new CorpusException(path + ": SHA-256 " + actual + " is not that of the study's corpus (" + sha256
                    + "); the copy changed after the study wrote it");
        }
        return Corpus.parse(path, path.endsWith(".jsonl"), bytes).named(name);
    }
}
