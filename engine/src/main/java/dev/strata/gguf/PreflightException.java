package dev.strata.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A well-formed GGUF file that llama.cpp would abort on or compute NaN from; the message is one line. */
public final class PreflightException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient List<Preflight.Problem> problems;

    public PreflightException(Path file, List<Preflight.Problem> problems) {
        super(file + ": " + problems.getFirst() + (problems.size() > 1
                ? " (and " + (problems.size() - 1) + " more problem" + (problems.size() > 2 ? "s" : "") + ")"
                : ""));
        this.problems = List.copyOf(problems);
    }

    public List<Preflight.Problem> problems() {
        return problems;
    }
}
