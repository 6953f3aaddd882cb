package dev.strata.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One console handler on stderr: strata's warnings by default; with --verbose, llama.cpp's log and details too. */
final class Logging {
    private static final ConsoleHandler HANDLER = new ConsoleHandler();
    // java.util.logging holds loggers weakly: without this reference the level set below could be collected
    // before llama.cpp first logs, and its warnings would leak through.
    private static final Logger NATIVE = Logger.getLogger("llama.cpp");

    static {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        HANDLER.setFormatter(new SimpleFormatter());
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        root.addHandler(HANDLER);
    }

    private Logging() {}

    static void configure(boolean verbose) {
        Level level = verbose ? Level.FINE : Level.WARNING;
        Logger.getLogger("").setLevel(level);
        HANDLER.setLevel(level);
        // llama.cpp reports every load in detail and its errors reach the user as exception messages.
        NATIVE.setLevel(verbose ? Level.INFO : Level.OFF);
    }
}
