package dev.strata.corpus;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.jr.ob.JSON;
import dev.strata.io.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * An ordered set of prompts: read from a {@code .txt} file (one prompt per line) or a {@code .jsonl} file (one object
 * per line with a string {@code "text"} and an optional {@code "id"}), or generated as the paper's random-strings
 * control. Both files are UTF-8, may start with a BOM, and may end lines with CRLF. A task that runs in this process
 * carries its corpus as it is ({@link CorpusSource}); one sent to other machines carries a {@link CorpusCopy}.
 */
public final class Corpus implements CorpusSource {
    /** The alphabet of the paper's random-strings control. */
    public static final String RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?";
    /** Length of each random string, as in the paper. */
    public static final int RANDOM_LENGTH = 100;
    /** The seed of the built-in random-strings control ({@code --corpus random-strings}, {@code --control random-strings}). */
    public static final long RANDOM_STRINGS_SEED = 20250411L;

    /** A corpus is read whole into one array, which Java caps just under 2 GiB. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
    /** Far beyond any context window; a longer line is a file that is not one prompt per line (a binary, a dump). */
    static final int MAX_LINE_BYTES = 1 << 20;
    private static final int MAX_LISTED_LINES = 20;
    private static final JSON JSONL = JSON.std.with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final String name;
    private final String sha256;
    private final List<Prompt> prompts;
    /**
     * The corpus as a file, the bytes {@link #sha256} is of: prompt i is {@code source[lineStarts[i] .. lineStarts[i +
     * 1])}, its terminator included. Null for a corpus received from another process.
     */
    private final byte[] source;
    private final int[] lineStarts;
    /** Whether {@link #source} is JSONL rather than one prompt per line. */
    private final boolean jsonl;

    private Corpus(String name, String sha256, List<Prompt> prompts, byte[] source, int[] lineStarts, boolean jsonl) {
        this.name = name;
        this.sha256 = sha256;
        this.prompts = List.copyOf(prompts);
        this.source = source;
        this.lineStarts = lineStarts;
        this.jsonl = jsonl;
    }

    /** Reads a {@code .txt} or {@code .jsonl} corpus; every problem is a {@link CorpusException} naming file and line. */
    public static Corpus load(Path path) throws IOException {
        String fileName = path.getFileName().toString();
        boolean jsonl = fileName.endsWith(".jsonl");
        if (!jsonl && !fileName.endsWith(".txt")) {
            throw new CorpusException(fileName + ": unsupported corpus type; use .txt (one prompt per line)"
                    + " or .jsonl (one object per line with a \"text\" field)");
        }
        long size = Files.size(path);
        if (size > MAX_FILE_BYTES) {
            throw new CorpusException(fileName + ": is " + size + " bytes; strata reads corpora of up to 2 GiB"
                    + " (split it, or take its first lines)");
        }
        return parse(fileName, jsonl, Files.readAllBytes(path));
    }

    /** The corpus in {@code bytes}, named {@code fileName}, which its errors name too. */
    static Corpus parse(String fileName, boolean jsonl, byte[] bytes) throws CorpusException {
        List<Integer> starts = new ArrayList<>();
        List<String> lines = decodeLines(fileName, bytes, starts);
        List<Prompt> prompts = jsonl ? parseJsonl(fileName, lines) : parseTxt(fileName, lines);
        if (prompts.isEmpty()) {
            throw new CorpusException(fileName + ": no prompts");
        }
        starts.add(bytes.length);
        int[] lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        return new Corpus(fileName, Sha256.of(bytes), prompts, bytes, lineStarts, jsonl);
    }

    /**
     * The paper's random-strings control: {@code n} strings of {@value #RANDOM_LENGTH} characters drawn uniformly from
     * {@link #RANDOM_ALPHABET}, the same for the same seed. Its {@link #sha256()} is that of the same strings written as
     * a {@code .txt} corpus, so a saved copy keeps its provenance.
     */
    public static Corpus randomStrings(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("random strings: n must be positive, got " + n);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Prompt> prompts = new ArrayList<>(n);
        StringBuilder asTxt = new StringBuilder(n * (RANDOM_LENGTH + 1));
        char[] chars = new char[RANDOM_LENGTH];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < RANDOM_LENGTH; c++) {
                chars[c] = RANDOM_ALPHABET.charAt(random.nextInt(RANDOM_ALPHABET.length()));
            }
            String text = new String(chars);
            prompts.add(new Prompt(i, Integer.toString(i + 1), text));
            asTxt.append(text).append('\n');
        }
        String name = "random-strings(n=" + n + ",seed=" + seed + ")";
        byte[] bytes = asTxt.toString().getBytes(StandardCharsets.UTF_8);
        int[] starts = new int[n + 1];
        for (int i = 0; i <= n; i++) {
            starts[i] = i * (RANDOM_LENGTH + 1);
        }
        return new Corpus(name, Sha256.of(bytes), prompts, bytes, starts, false);
    }

    /**
     * A corpus sent to another process (the extraction worker): the same name, checksum and prompts, without the
     * file's bytes, so it cannot be cut with {@link #head}.
     */
    public static Corpus of(String name, String sha256, List<Prompt> prompts) {
        return new Corpus(name, sha256, prompts, null, null, false);
    }

    /**
     * The first {@code n} prompts, as a corpus of its own. Its {@link #sha256()} is that of the first {@code n} lines of
     * this corpus's file as they are there (their line terminators included, a byte-order mark not): the checksum of
     * the file {@code head -n N} writes, so a saved subset keeps its provenance, and a subset never passes for the whole.
     * The first {@code n} of {@code randomStrings(N, seed)} are {@code randomStrings(n, seed)}, checksum included.
     * Asking for all prompts (or more) gives this corpus itself.
     *
     * @throws IllegalArgumentException if {@code n} is not positive
     */
    public Corpus head(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("corpus head: n must be positive, got " + n);
        }
        if (n >= prompts.size()) {
            return this;
        }
        if (source == null) {
            throw new IllegalStateException(name + ": a corpus received from another process cannot be cut");
        }
        byte[] bytes = Arrays.copyOfRange(source, lineStarts[0], lineStarts[n]);
        int[] starts = new int[n + 1];
        for (int i = 0; i <= n; i++) {
            starts[i] = lineStarts[i] - lineStarts[0];
        }
        return new Corpus(name + " (first " + n + ")", Sha256.of(bytes), prompts.subList(0, n), bytes, starts, jsonl);
    }

    /** This corpus itself: it travels whole with a task. */
    @Override
    public Corpus read() {
        return this;
    }

    /** This corpus named {@code name} (a copy keeps the name of the corpus it copies). */
    Corpus named(String name) {
        return new Corpus(name, sha256, prompts, source, lineStarts, jsonl);
    }

    /** The file this corpus is, the bytes whose SHA-256 {@link #sha256()} is. */
    byte[] fileBytes() {
        if (source == null) {
            throw new IllegalStateException(name + ": a corpus received from another process has no file");
        }
        return source;
    }

    /** The file extension its {@link #fileBytes()} need to be read back: ".jsonl" or ".txt". */
    String fileExtension() {
        return jsonl ? ".jsonl" : ".txt";
    }

    /** The file name, or a description of a generated corpus. */
    public String name() {
        return name;
    }

    /**
     * SHA-256 (lower-case hex) of the corpus file's bytes, for provenance and resume checks; for a generated corpus, of
     * the file that holds it, and for a {@link #head} of the lines it keeps.
     */
    public String sha256() {
        return sha256;
    }

    public int size() {
        return prompts.size();
    }

    public Prompt get(int index) {
        return prompts.get(index);
    }

    /** All prompts in corpus order (unmodifiable). */
    public List<Prompt> prompts() {
        return prompts;
    }

    /** The prompt ids in corpus order. */
    public List<String> ids() {
        return prompts.stream().map(Prompt::id).toList();
    }

    /** Splits on LF (dropping a CR before it and one BOM at the start) and decodes each line strictly. */
    private static List<String> decodeLines(String fileName, byte[] bytes, List<Integer> starts) throws CorpusException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        boolean bom = bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF;
        List<String> lines = new ArrayList<>();
        int start = bom ? 3 : 0;
        while (start < bytes.length) {
            int newline = indexOf(bytes, (byte) '\n', start);
            int end = newline < 0 ? bytes.length : newline;
            int contentEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            if (contentEnd - start > MAX_LINE_BYTES) {
                throw new CorpusException(fileName + ":" + (lines.size() + 1) + ": line of " + (contentEnd - start)
                        + " bytes; a prompt may have up to " + MAX_LINE_BYTES + " bytes (1 MiB)");
            }
            starts.add(start);
            lines.add(decodeLine(decoder, bytes, start, contentEnd, fileName, lines.size() + 1));
            start = end + 1;
        }
        return lines;
    }

    private static String decodeLine(CharsetDecoder decoder, byte[] bytes, int start, int end, String fileName, int line)
            throws CorpusException {
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        decoder.reset();
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            // The wrapped buffer's position is an offset into the whole file.
            throw new CorpusException(fileName + ":" + line + ": invalid UTF-8 (at byte offset " + in.position() + ")");
        }
        return out.flip().toString();
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static List<Prompt> parseTxt(String fileName, List<String> lines) throws CorpusException {
        List<Prompt> prompts = new ArrayList<>(lines.size());
        List<Integer> emptyLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                emptyLines.add(i + 1);
            }
            prompts.add(new Prompt(i, Integer.toString(i + 1), text));
        }
        refuseEmptyPrompts(fileName, emptyLines);
        return prompts;
    }

    private static List<Prompt> parseJsonl(String fileName, List<String> lines) throws CorpusException {
        List<Prompt> prompts = new ArrayList<>(lines.size());
        List<Integer> emptyLines = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int line = i + 1;
            String where = fileName + ":" + line + ": ";
            if (lines.get(i).isBlank()) {
                throw new CorpusException(where + "blank line (each line must be a JSON object with a \"text\" field)");
            }
            Map<String, Object> object = parseObject(lines.get(i), where);
            if (!(object.get("text") instanceof String text)) {
                throw new CorpusException(where + (object.containsKey("text")
                        ? "\"text\" must be a string, got " + jsonType(object.get("text"))
                        : "missing \"text\" field"));
            }
            String id = switch (object.get("id")) {
                case null -> Integer.toString(line);
                case String s -> s;
                case Number number -> number.toString();
                case Object other -> throw new CorpusException(where + "\"id\" must be a string or a number, got " + jsonType(other));
            };
            Integer firstLine = lineOfId.putIfAbsent(id, line);
            if (firstLine != null) {
                throw new CorpusException(where + "duplicate id \"" + id + "\" (first at line " + firstLine + ")");
            }
            if (text.isBlank()) {
                emptyLines.add(line);
            }
            prompts.add(new Prompt(i, id, text));
        }
        refuseEmptyPrompts(fileName, emptyLines);
        return prompts;
    }

    private static Map<String, Object> parseObject(String line, String where) throws CorpusException {
        try (JsonParser parser = JSON_FACTORY.createParser(line)) {
            Map<String, Object> object = JSONL.mapFrom(parser);
            if (parser.nextToken() != null) {
                throw new CorpusException(where + "malformed JSON (text after the object)");
            }
            return object;
        } catch (JacksonException e) {
            String reason = e.getOriginalMessage().lines().findFirst().orElse("");
            throw new CorpusException(where + "malformed JSON (" + abbreviate(reason) + ")");
        } catch (CorpusException e) {
            throw e;
        } catch (IOException e) {
            throw new CorpusException(where + "malformed JSON (" + abbreviate(String.valueOf(e.getMessage())) + ")");
        }
    }

    private static void refuseEmptyPrompts(String fileName, List<Integer> emptyLines) throws CorpusException {
        if (emptyLines.isEmpty()) {
            return;
        }
        String listed = emptyLines.stream().limit(MAX_LISTED_LINES).map(String::valueOf).collect(Collectors.joining(", "));
        int more = emptyLines.size() - MAX_LISTED_LINES;
        throw new CorpusException(fileName + ": " + emptyLines.size() + " empty or whitespace-only prompt"
                + (emptyLines.size() == 1 ? "" : "s") + " at line" + (emptyLines.size() == 1 ? " " : "s ") + listed
                + (more > 0 ? " and " + more + " more" : ""));
    }

    private static String jsonType(Object value) {
        return switch (value) {
            case Map<?, ?> _ -> "an object";
            case List<?> _ -> "an array";
            case Object[] _ -> "an array";
            case Number _ -> "a number";
            case Boolean _ -> "a boolean";
            case null -> "null";
            default -> "a " + value.getClass().getSimpleName();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }
}
