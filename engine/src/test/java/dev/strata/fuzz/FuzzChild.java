package dev.strata.fuzz;

import dev.strata.corpus.Corpus;
import dev.strata.extract.ExtractOptions;
import dev.strata.extract.Extractor;
import dev.strata.extract.NonFiniteActivationsException;
import dev.strata.gguf.GgufFormatException;
import dev.strata.gguf.PreflightException;
import dev.strata.io.SafetensorsReader;
import dev.strata.store.IfExists;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The fuzzer's child process: extracts a small corpus with each model path read from stdin and answers one line,
 * {@code RESULT <tab> outcome <tab> message}. When llama.cpp aborts or crashes, this process dies and the fuzzer
 * counts the death instead of suffering it.
 */
public final class FuzzChild {
    /** Short prompts in several scripts, so the tokenizer meets bytes its pieces may not cover. */
    static final String PROMPTS = """
            The quick brown fox jumps over the lazy dog.
            Größe, naïve café — 東京 ✓ 🙂 \u0001 tab\there
            a
            """;
    static final ExtractOptions OPTIONS = new ExtractOptions(24, 64, 3, 1, 0);

    private FuzzChild() {}

    public static void main(String[] args) throws IOException {
        Path work = Path.of(args[0]);
        Files.createDirectories(work);
        Path corpusFile = work.resolve("prompts.txt");
        Files.writeString(corpusFile, PROMPTS, StandardCharsets.UTF_8);
        Corpus corpus = Corpus.load(corpusFile);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] answer = extract(Path.of(line), corpus, work.resolve("run"));
            out.println("RESULT\t" + answer[0] + "\t" + answer[1].replace('\n', ' ').replace('\t', ' '));
        }
    }

    private static String[] extract(Path model, Corpus corpus, Path dir) {
        try {
            deleteTree(dir);
            new Extractor("fuzz").run(model, corpus, dir, OPTIONS, IfExists.OVERWRITE,
                    (done, total, tokens, nanos) -> { });
            long bad = nonFinite(dir);
            return bad == 0 ? new String[] {"finite", ""}
                    : new String[] {"nonfinite-silent", bad + " non-finite values stored without an error"};
        } catch (PreflightException | GgufFormatException e) {
            return new String[] {"refused", e.getMessage()};
        } catch (NonFiniteActivationsException e) {
            return new String[] {"nonfinite-error", e.getMessage()};
        } catch (Exception e) {
            return new String[] {"llama-error", e.getClass().getSimpleName() + ": " + e.getMessage()};
        } catch (Error e) {
            return new String[] {"java-error", e.toString()};
        }
    }

    /** NaN and Inf values in every activations file of {@code dir}. */
    private static long nonFinite(Path dir) throws IOException {
        long bad = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                    for (SafetensorsReader.TensorInfo tensor : reader.tensors()) {
                        MemorySegment bytes = reader.bytes(tensor);
                        for (long i = 0; i < tensor.elementCount(); i++) {
                            if (!Float.isFinite(bytes.getAtIndex(LE_FLOAT, i))) {
                                bad++;
                            }
                        }
                    }
                }
            }
        }
        return bad;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
