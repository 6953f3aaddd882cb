package dev.strata.extract.worker;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extraction;
import dev.strata.extract.ExtractionShard;
import dev.strata.extract.Extractor;
import dev.strata.store.IfExists;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Extraction in a supervised worker process (a child JVM running {@link Worker}), so that whatever llama.cpp still
 * aborts on (a failed GGML_ASSERT, a segfault) ends the worker, not the caller. The worker writes through the same
 * checkpointed store as the in-process extractor, so a run it died in resumes as usual. One worker serves every run
 * of this object, models loaded in turn; after a death the next run starts a fresh one. The caller never loads
 * llama.cpp.
 */
public final class WorkerExtraction implements Extraction {
    private static final long EXIT_WAIT_SECONDS = 10;
    /** The worker's AOT cache, as the launcher names it. */
    private static final String AOT_CACHE_PROPERTY = "strata.worker.aot";
    /** The user's JVM options (STRATA_JAVA_OPTS), as the launcher names them: the worker gets them too. */
    private static final String JAVA_OPTIONS_PROPERTY = "strata.java.options";
    private final String version;
    private Process worker;
    private Writer requests;
    private BufferedReader events;

    /**
     * Starts the worker at once, so that its JVM start and llama.cpp's loading overlap whatever the caller prepares
     * before the first run (the corpus, say); a worker that cannot start here is started, or reported, by that run.
     *
     * @param version strata's version, recorded in the outputs
     */
    public WorkerExtraction(String version) {
        this.version = version;
        try {
            start();
        } catch (IOException e) {
            // run() starts it again and reports the failure there.
        }
    }

    @Override
    public Extractor.Result run(Path modelFile, Corpus corpus, Path dir, ExtractOptions options, IfExists ifExists,
            Extractor.Progress progress) throws IOException {
        String request = new WorkerProtocol.Request(WorkerProtocol.Task.EXTRACT, modelFile, corpus, dir, options,
                ifExists, null, version).encode();
        return result(dir, exchange(modelFile, request, progress));
    }

    @Override
    public Extractor.Result runShard(Path modelFile, Corpus corpus, Path dir, ExtractOptions options,
            ExtractionShard shard, Extractor.Progress progress) throws IOException {
        String request = new WorkerProtocol.Request(WorkerProtocol.Task.SHARD, modelFile, corpus, dir, options,
                IfExists.RESUME, shard, version).encode();
        return result(dir, exchange(modelFile, request, progress));
    }

    private static Extractor.Result result(Path dir, Map<String, Object> event) {
        return new Extractor.Result(dir, WorkerProtocol.integer(event, "prompts"),
                WorkerProtocol.longInteger(event, "tokens"), WorkerProtocol.integer(event, "truncated"),
                ((Number) event.get("seconds")).doubleValue(), (Boolean) event.get("already_complete"),
                WorkerProtocol.longInteger(event, "nonfinite_values"));
    }

    @Override
    public int[][] tokenize(Path modelFile, Corpus corpus, ExtractOptions options) throws IOException {
        String request = new WorkerProtocol.Request(WorkerProtocol.Task.TOKENIZE, modelFile, corpus, Path.of(""),
                options, IfExists.REFUSE, null, version).encode();
        return WorkerProtocol.tokenIds(exchange(modelFile, request, (done, total, tokens, nanos) -> {}));
    }

    /** Sends one request and passes its progress on; returns its final event (result or tokens). */
    private Map<String, Object> exchange(Path modelFile, String request, Extractor.Progress progress)
            throws IOException {
        if (worker == null) start();
        String lastNativeError = "";
        try {
            requests.write(request + "\n");
            requests.flush();
        } catch (IOException e) {
            // The worker is gone; its exit status says more than the broken pipe.
            throw died(modelFile, lastNativeError);
        }
        String line;
        while ((line = events.readLine()) != null) {
            int at = line.indexOf(WorkerProtocol.PREFIX);
            if (at < 0) {
                System.err.println(line);
                continue;
            }
            if (at > 0) System.err.println(line.substring(0, at));
            Map<String, Object> event = JSON.std.mapFrom(line.substring(at + WorkerProtocol.PREFIX.length()));
            switch ((String) event.get("event")) {
                case "progress" -> {
                    try {
                        progress.update(WorkerProtocol.integer(event, "done"), WorkerProtocol.integer(event, "total"),
                                WorkerProtocol.longInteger(event, "tokens"), WorkerProtocol.longInteger(event, "nanos"));
                    } catch (RuntimeException | Error e) {
                        // The caller gave up on this run: so does the worker, at its last checkpoint.
                        stop();
                        throw e;
                    }
                }
                case "native_error" -> lastNativeError = (String) event.get("line");
                case "result", "tokens" -> {
                    return event;
                }
                case "failure" -> throw rethrown((String) event.get("type"), (String) event.get("message"));
                default -> throw new IOException("extraction worker: unknown event " + line);
            }
        }
        throw died(modelFile, lastNativeError);
    }

    /** Ends the worker: it exits when its requests end. */
    @Override
    public void close() {
        if (worker == null) return;
        try {
            requests.close();
            if (!worker.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) stop();
        } catch (IOException e) {
            stop();
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
        }
        worker = null;
    }

    private void start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // Split on blanks as the launcher's shell splits them for this JVM; the options below win over them.
        String userOptions = System.getProperty(JAVA_OPTIONS_PROPERTY, "").strip();
        if (!userOptions.isEmpty()) command.addAll(List.of(userOptions.split("\\s+")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xss4m");
        command.add("-Djava.awt.headless=true");
        // A crash report belongs on stderr and in the temporary folder, not in the user's folder; no core dumps.
        command.add("-XX:+DisplayVMOutputToStderr");
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "strata-worker-hs_err-%p.log"));
        // The worker's classes loaded and linked ahead of time, where the build made them (a missing file is an error).
        String aotCache = System.getProperty(AOT_CACHE_PROPERTY);
        if (aotCache != null && Files.isRegularFile(Path.of(aotCache))) command.add("-XX:AOTCache=" + aotCache);
        for (String property : List.of("strata.native.dir", WorkerProtocol.FAULT_PROPERTY)) {
            String value = System.getProperty(property);
            if (value != null) command.add("-D" + property + "=" + value);
        }
        if (Logger.getLogger(WorkerProtocol.NATIVE_LOGGER).isLoggable(Level.INFO)) {
            command.add("-D" + WorkerProtocol.VERBOSE_PROPERTY + "=true");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Worker.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        // Without a debugger backtrace a failed assert ends at once; the abort message still reaches us.
        builder.environment().put("GGML_NO_BACKTRACE", "1");
        worker = builder.start();
        requests = new OutputStreamWriter(worker.getOutputStream(), StandardCharsets.UTF_8);
        events = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
    }

    private void stop() {
        worker.destroyForcibly();
        try {
            worker.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker = null;
    }

    private WorkerDiedException died(Path modelFile, String lastNativeError) {
        Process dead = worker;
        worker = null;
        int status;
        try {
            status = dead.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dead.destroyForcibly();
            status = -1;
        }
        return new WorkerDiedException(modelFile, status, lastNativeError);
    }

    /**
     * The worker's exception again, as its own type where that type takes a message alone (thrown here when
     * unchecked); otherwise an IOException with the same message.
     */
    private static IOException rethrown(String type, String message) {
        Object rebuilt = null;
        try {
            Class<?> c = Class.forName(type);
            if (IOException.class.isAssignableFrom(c) || RuntimeException.class.isAssignableFrom(c)) {
                rebuilt = c.getConstructor(String.class).newInstance(message);
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // Not rebuildable: the plain IOException below carries the same message.
        }
        if (rebuilt instanceof RuntimeException unchecked) throw unchecked;
        return rebuilt instanceof IOException checked ? checked : new IOException(message);
    }
}
