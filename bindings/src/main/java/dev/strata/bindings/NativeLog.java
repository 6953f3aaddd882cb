package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Routes llama.cpp and ggml log output to the java.util.logging logger {@code llama.cpp}: quiet unless the
 * application raises its level. Also remembers the first error line since the last failure check: the
 * first is the specific one ("failed to open ... (No such file)"), later ones only repeat that it failed.
 */
final class NativeLog {
    static final Logger LOGGER = Logger.getLogger("llama.cpp");
    private static final int DEBUG = 1, INFO = 2, WARN = 3, ERROR = 4, CONT = 5;
    private static final StringBuilder line = new StringBuilder();
    private static int lineLevel = INFO;
    private static String firstError = "";
    static final MemorySegment STUB;

    static {
        try {
            var target = MethodHandles.lookup().findStatic(NativeLog.class, "onLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            STUB = NativeLibrary.LINKER.upcallStub(target, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NativeLog() {}

    /** Native messages arrive in pieces; a line is logged when its newline arrives. */
    private static synchronized void onLog(int level, MemorySegment text, MemorySegment userData) {
        if (level != CONT) lineLevel = level;
        line.append(text.reinterpret(Long.MAX_VALUE).getString(0));
        int nl;
        while ((nl = line.indexOf("\n")) >= 0) {
            String message = line.substring(0, nl);
            line.delete(0, nl + 1);
            if (message.isBlank()) continue;
            if (lineLevel >= ERROR && firstError.isEmpty()) firstError = message.strip();
            LOGGER.log(javaLevel(lineLevel), message);
        }
    }

    private static Level javaLevel(int level) {
        return switch (level) {
            case DEBUG -> Level.FINE;
            case WARN -> Level.WARNING;
            case ERROR -> Level.SEVERE;
            default -> Level.INFO;
        };
    }

    /** The first error line llama.cpp logged since the last call, or "" when none. */
    static synchronized String takeFirstError() {
        String e = firstError;
        firstError = "";
        return e;
    }
}
