package dev.strata.extract.worker;

import dev.strata.bindings.Llama;
import dev.strata.bindings.NativeAbort;
import dev.strata.extract.Extractor;
import dev.strata.extract.ModelCache;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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
    /** Marks the end of the requests in the queue (compared by identity). */
    private static final String END = new String("end of requests");
    private static final int ORPHANED = 3;
    /** A request is queued or running: guarded by Worker.class. */
    private static boolean running;

    private Worker() {}

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        // stdout carries the protocol; anything else printed there belongs to the log.
        System.setOut(System.err);
        WorkerProtocol.Sender sender = new WorkerProtocol.Sender(protocol);
        configureLogging(sender, Boolean.getBoolean(WorkerProtocol.VERBOSE_PROPERTY));
        FaultHook fault = FaultHook.parse(System.getProperty(WorkerProtocol.FAULT_PROPERTY));
        BlockingQueue<String> requests = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("worker-requests").start(() -> readRequests(requests));
        loadLlamaCpp(sender);
        // Shards and tokenizing of one model, one request each, load and hash it once.
        ModelCache models = new ModelCache();
        String line;
        while ((line = requests.take()) != END) {
            try {
                WorkerProtocol.Request request = WorkerProtocol.Request.decode(line);
                Llama.init(Llama.defaultNativeDir());
                NativeAbort.onAbort(sender::nativeError);
                Extractor extractor = new Extractor(request.version(), models);
                if (request.task() == WorkerProtocol.Task.TOKENIZE) {
                    sender.tokens(extractor.tokenize(request.model(), request.corpus(), request.options()));
                    continue;
                }
                Extractor.Progress progress = (done, total, tokens, nanos) -> {
                    sender.progress(done, total, tokens, nanos);
                    fault.afterPrompts(request.model(), done);
                };
                Extractor.Result result = request.task() == WorkerProtocol.Task.SHARD
                        ? extractor.runShard(request.model(), request.corpus(), request.dir(), request.options(),
                                request.shard(), progress)
                        : extractor.run(request.model(), request.corpus(), request.dir(), request.options(),
                                request.ifExists(), progress);
                sender.result(result);
            } catch (Exception | OutOfMemoryError e) {
                sender.failure(e);
            } finally {
                synchronized (Worker.class) {
                    running = false;
                }
            }
        }
    }

    /**
     * Loads llama.cpp before the first request comes, while the parent still prepares it (the parent starts this
     * process early for that). A failure here is not reported: each request loads llama.cpp again and fails with it.
     */
    private static void loadLlamaCpp(WorkerProtocol.Sender sender) {
        try {
            Llama.init(Llama.defaultNativeDir());
            NativeAbort.onAbort(sender::nativeError);
        } catch (RuntimeException e) {
            // Reported with the first request, which loads llama.cpp again.
        }
    }

    /**
     * Queues the parent's requests as they come. When stdin ends between runs, the worker ends after them; when it
     * ends during one, the parent is gone (killed, say), and the run stops at once, as if killed too, at its last
     * checkpoint: a run nobody waits for must not go on writing while the user may already resume it.
     */
    private static void readRequests(BlockingQueue<String> requests) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (Worker.class) {
                    running = true;
                    requests.add(line);
                }
            }
        } catch (IOException e) {
            // A broken stdin means the same as its end.
        }
        synchronized (Worker.class) {
            if (running) Runtime.getRuntime().halt(ORPHANED);
            requests.add(END);
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
