package dev.strata.extract.worker;

import dev.strata.bindings.Llama;
import dev.strata.bindings.NativeAbort;
import dev.strata.extract.Extractor;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The worker process that {@link WorkerExtraction} starts: reads one extraction request per line on stdin, runs it with
 * the in-process {@link Extractor} (so it checkpoints as always) and answers on stdout in {@link WorkerProtocol}
 * lines; exits when stdin ends. llama.cpp's error lines and abort messages go to the parent as they happen, so the
 * parent can name the last one if llama.cpp kills this process.
 */
public final class Worker {
    // java.util.logging holds loggers weakly; the levels set here must outlive the first native log line.
    private static final Logger NATIVE = Logger.getLogger(WorkerProtocol.NATIVE_LOGGER);

    private Worker() {}

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        // stdout carries the protocol; anything else printed there belongs to the log.
        System.setOut(System.err);
        WorkerProtocol.Sender sender = new WorkerProtocol.Sender(protocol);
        configureLogging(sender, Boolean.getBoolean(WorkerProtocol.VERBOSE_PROPERTY));
        FaultHook fault = FaultHook.parse(System.getProperty(WorkerProtocol.FAULT_PROPERTY));
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = requests.readLine()) != null) {
            try {
                WorkerProtocol.Request request = WorkerProtocol.Request.decode(line);
                Llama.init(Llama.defaultNativeDir());
                NativeAbort.onAbort(sender::nativeError);
                Extractor.Result result = new Extractor(request.version()).run(request.model(), request.corpus(),
                        request.dir(), request.options(), request.resume(), request.overwrite(),
                        (done, total, tokens, nanos) -> {
                            sender.progress(done, total, tokens, nanos);
                            fault.afterPrompts(request.model(), done);
                        });
                sender.result(result);
            } catch (Exception | OutOfMemoryError e) {
                sender.failure(e);
            }
        }
    }

    /** llama.cpp's errors always reach the parent; its other lines reach stderr only when the parent was asked for them. */
    private static void configureLogging(WorkerProtocol.Sender sender, boolean verbose) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.addHandler(console);
        Level level = verbose ? Level.FINE : Level.WARNING;
        root.setLevel(level);
        console.setLevel(level);
        NATIVE.setLevel(verbose ? Level.INFO : Level.SEVERE);
        NATIVE.setUseParentHandlers(verbose);
        NATIVE.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.SEVERE.intValue()) sender.nativeError(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    /**
     * A test's way to make llama.cpp abort: {@code FILE:PROMPTS} aborts through ggml_abort, as a failed assert does,
     * once the model file named FILE has checkpointed PROMPTS prompts.
     */
    record FaultHook(String fileName, int prompts) {
        static FaultHook parse(String spec) {
            if (spec == null || spec.isBlank()) return new FaultHook("", Integer.MAX_VALUE);
            int colon = spec.lastIndexOf(':');
            return new FaultHook(spec.substring(0, colon), Integer.parseInt(spec.substring(colon + 1)));
        }

        void afterPrompts(Path model, int done) {
            if (done >= prompts && model.getFileName().toString().equals(fileName)) {
                NativeAbort.abort("strata test fault: abort after " + done + " prompts of " + fileName);
            }
        }
    }
}
