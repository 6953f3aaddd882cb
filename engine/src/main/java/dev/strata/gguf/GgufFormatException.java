package dev.strata.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not a well-formed GGUF file. The message is one line: the file, then what is wrong with it. */
public final class GgufFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
