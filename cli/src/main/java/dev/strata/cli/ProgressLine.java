package dev.strata.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: prompts done of total, tokens per second, elapsed time and ETA. On a terminal one line is
 * redrawn in place; in a log (stderr not a terminal) a line is printed at most every ten seconds.
 */
final class ProgressLine {
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
    private final boolean quiet;
    private final String label;
    private final PrintStream err = System.err;
    private final boolean terminal = System.console() != null;
    private long lastPrinted = Long.MIN_VALUE;
    private boolean drawn;

    ProgressLine(boolean quiet, String label) {
        this.quiet = quiet;
        this.label = label;
    }

    void update(int done, int total, long tokens, long nanos) {
        if (quiet) return;
        long now = System.nanoTime();
        if (!terminal && done < total && lastPrinted != Long.MIN_VALUE && now - lastPrinted < LOG_INTERVAL_NANOS) return;
        lastPrinted = now;
        double seconds = nanos / 1e9;
        double tokensPerSecond = seconds > 0 ? tokens / seconds : 0;
        String line = String.format(Locale.ROOT, "%s: %d/%d prompts (%.0f%%), %.0f tok/s, %s elapsed, ETA %s",
                label, done, total, 100.0 * done / total, tokensPerSecond, clock(seconds), eta(done, total, seconds));
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            drawn = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    void done() {
        if (drawn) err.println();
        drawn = false;
    }

    private static String eta(int done, int total, double seconds) {
        return done == 0 ? "?" : clock(seconds / done * (total - done));
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
