package dev.strata.corpus;

import java.io.IOException;

/** A corpus that cannot be used as given; the message is one line naming the file and, where it applies, the line. */
public class CorpusException extends IOException {
    public CorpusException(String message) {
        super(message);
    }
}
