package dev.strata.cli;

import dev.strata.extract.ChatTemplateException;
import dev.strata.extract.NonFiniteActivationsException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one line a user reads. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) return "no such file: " + f.getFile();
        if (e instanceof AccessDeniedException f) return "permission denied: " + f.getFile();
        // What creating an output folder throws when a file has its name.
        if (e instanceof FileAlreadyExistsException f) return "cannot make the folder " + f.getFile() + ": a file has that name";
        if (e instanceof NonFiniteActivationsException) {
            return e.getMessage() + " (--allow-nonfinite stores them and counts them per layer)";
        }
        if (e instanceof ChatTemplateException) return e.getMessage() + " (leave out --chat-template to use the prompts as they are)";
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }
}
