package dev.strata.extract.worker;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.corpus.Corpus;
import dev.strata.corpus.Prompt;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.ExtractionShard;
import dev.strata.extract.Extractor;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link WorkerExtraction} and its {@link Worker} say to each other: one JSON object per line, requests on the
 * worker's stdin, events on its stdout. Event lines start with {@link #PREFIX}, so that anything native code prints to
 * stdout is told apart and passed on to the log.
 */
final class WorkerProtocol {
    static final String PREFIX = "strata-worker> ";
    /** Test hook: {@code FILE:PROMPTS} makes the worker abort inside ggml (see {@link Worker.FaultHook}). */
    static final String FAULT_PROPERTY = "strata.worker.fault";
    /** The worker shows llama.cpp's info lines, as the parent does when its llama.cpp logger is on. */
    static final String VERBOSE_PROPERTY = "strata.worker.verbose";
    /** The logger the bindings route llama.cpp's log to. */
    static final String NATIVE_LOGGER = "llama.cpp";

    private WorkerProtocol() {}

    /** What a request asks for: an extraction, one shard of it, or the prompts' token ids only. */
    enum Task { EXTRACT, SHARD, TOKENIZE }

    /**
     * One extraction (or tokenization: {@code dir} and {@code ifExists} unused) to run.
     *
     * @param shard the shard to extract for {@link Task#SHARD}; null for the others
     */
    record Request(Task task, Path model, Corpus corpus, Path dir, ExtractOptions options, IfExists ifExists,
            ExtractionShard shard, String version) {
        String encode() throws IOException {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("max_tokens", options.maxTokens());
            o.put("batch_tokens", options.batchTokens());
            o.put("parallel", options.parallel());
            o.put("threads", options.threads());
            o.put("gpu_layers", options.gpuLayers());
            o.put("gpu", options.gpu());
            o.put("poolings", options.poolings().stream().map(Pooling::name).toList());
            o.put("allow_nonfinite", options.allowNonFinite());
            o.put("chat_template", options.chatTemplate());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", corpus.name());
            c.put("sha256", corpus.sha256());
            c.put("ids", corpus.ids());
            c.put("texts", corpus.prompts().stream().map(Prompt::text).toList());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("task", task.name());
            r.put("model", model.toAbsolutePath().toString());
            r.put("dir", dir.toAbsolutePath().toString());
            r.put("if_exists", ifExists.name());
            if (shard != null) r.put("shard", List.of(shard.index(), shard.from(), shard.to()));
            r.put("version", version);
            r.put("options", o);
            r.put("corpus", c);
            return JSON.std.asString(r);
        }

        @SuppressWarnings("unchecked")
        static Request decode(String line) throws IOException {
            Map<String, Object> r = JSON.std.mapFrom(line);
            Map<String, Object> o = (Map<String, Object>) r.get("options");
            Map<String, Object> c = (Map<String, Object>) r.get("corpus");
            Set<Pooling> poolings = EnumSet.noneOf(Pooling.class);
            for (Object p : (List<Object>) o.get("poolings")) poolings.add(Pooling.valueOf((String) p));
            ExtractOptions options = new ExtractOptions(integer(o, "max_tokens"), integer(o, "batch_tokens"),
                    integer(o, "parallel"), integer(o, "threads"), integer(o, "gpu_layers"), poolings,
                    (Boolean) o.get("allow_nonfinite"), (Boolean) o.get("chat_template"), integer(o, "gpu"));
            List<Object> ids = (List<Object>) c.get("ids");
            List<Object> texts = (List<Object>) c.get("texts");
            List<Prompt> prompts = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) prompts.add(new Prompt(i, (String) ids.get(i), (String) texts.get(i)));
            Corpus corpus = Corpus.of((String) c.get("name"), (String) c.get("sha256"), prompts);
            List<Object> s = (List<Object>) r.get("shard");
            ExtractionShard shard = s == null ? null : new ExtractionShard(((Number) s.get(0)).intValue(),
                    ((Number) s.get(1)).intValue(), ((Number) s.get(2)).intValue());
            return new Request(Task.valueOf((String) r.get("task")), Path.of((String) r.get("model")), corpus,
                    Path.of((String) r.get("dir")), options, IfExists.valueOf((String) r.get("if_exists")), shard,
                    (String) r.get("version"));
        }
    }

    /** The worker's side: writes events, one whole line at a time from any thread. */
    static final class Sender {
        private final PrintStream out;

        Sender(PrintStream out) {
            this.out = out;
        }

        void progress(int done, int total, long tokens, long nanos) {
            send(Map.of("event", "progress", "done", done, "total", total, "tokens", tokens, "nanos", nanos));
        }

        void tokens(int[][] ids) {
            send(Map.of("event", "tokens", "ids", ids));
        }

        void nativeError(String line) {
            send(Map.of("event", "native_error", "line", line.strip()));
        }

        void result(Extractor.Result r) {
            send(Map.of("event", "result", "prompts", r.prompts(), "tokens", r.tokens(), "truncated", r.truncated(),
                    "seconds", r.seconds(), "already_complete", r.alreadyComplete(), "nonfinite_values",
                    r.nonFiniteValues()));
        }

        void failure(Throwable e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            send(Map.of("event", "failure", "type", e.getClass().getName(), "message", message));
        }

        private synchronized void send(Map<String, Object> event) {
            try {
                out.print(PREFIX + JSON.std.asString(event) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.flush();
        }
    }

    /** The token ids of a "tokens" event. */
    @SuppressWarnings("unchecked")
    static int[][] tokenIds(Map<String, Object> event) {
        List<Object> prompts = (List<Object>) event.get("ids");
        int[][] ids = new int[prompts.size()][];
        for (int p = 0; p < ids.length; p++) {
            ids[p] = ((List<Object>) prompts.get(p)).stream().mapToInt(id -> ((Number) id).intValue()).toArray();
        }
        return ids;
    }

    static int integer(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).intValue();
    }

    static long longInteger(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }
}
