package dev.strata.extract.worker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The extraction worker ended in the middle of a run: llama.cpp aborted, crashed or was killed. What the run had
 * checkpointed stays valid and resumes.
 */
public final class WorkerDiedException extends IOException {
    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};
    private final String reason;

    /**
     * @param exitValue       the worker's exit value; the JDK reports death by signal S as 128 + S
     * @param lastNativeError the last error line llama.cpp logged or aborted with, "" if none
     */
    public WorkerDiedException(Path model, int exitValue, String lastNativeError) {
        this(model, reason(exitValue, lastNativeError));
    }

    private WorkerDiedException(Path model, String reason) {
        super(model + ": " + reason);
        this.reason = reason;
    }

    /** What happened, without the file: how the worker ended and llama.cpp's last error line. */
    public String reason() {
        return reason;
    }

    private static String reason(int exitValue, String lastNativeError) {
        int signal = exitValue - 128;
        String end = signal > 0 && signal < SIGNALS.length ? "was killed by " + SIGNALS[signal]
                : signal > 0 && signal < 64 ? "was killed by signal " + signal
                : "exited with status " + exitValue;
        return "the extraction worker running llama.cpp " + end
                + (lastNativeError.isEmpty() ? "; llama.cpp logged no error" : "; llama.cpp's last error: " + lastNativeError);
    }
}
