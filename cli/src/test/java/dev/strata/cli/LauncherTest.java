package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script (src/main/sh/strata.in, as {@code make build} installs it) run for real: it keeps stderr to
 * strata's own lines, without the JDK's incubator notice, and leaves stdout and the exit status alone.
 */
class LauncherTest {
    private static final String NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    @TempDir Path dir;
    private Path launcher;

    /** A strata home like a built checkout: bin/strata, and a cli jar whose manifest points at this test's class path. */
    @BeforeEach
    void install() throws IOException {
        Path home = dir.resolve("home");
        launcher = Files.createDirectories(home.resolve("bin")).resolve("strata");
        String script = Files.readString(Path.of("src/main/sh/strata.in")).replace("@JAVA_HOME@", System.getProperty("java.home"));
        Files.writeString(launcher, script);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(home.resolve("cli/target/lib"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path")
                .split(File.pathSeparator)).map(entry -> Path.of(entry).toUri().toString()).collect(Collectors.joining(" ")));
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(target.getParent().resolve("strata-cli-0.1.0.jar")), manifest)) {
            // a manifest-only jar
        }
    }

    @Test
    void theJdkAnnouncesTheIncubatorModuleWhichTheLauncherMustHide() throws Exception {
        Run run = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-version"));
        assertEquals(0, run.status());
        assertTrue(run.stderr().lines().anyMatch(NOTICE::equals), run.stderr());
    }

    @Test
    void stderrKeepsStrataLinesAndTheExitStatusWithoutTheNotice() throws Exception {
        Path missing = dir.resolve("missing.safetensors");
        String[] args = {"knn", "--activations", missing.toString(), "-k", "2", "--out", dir.resolve("o.npy").toString()};
        Run run = run(command(args));
        assertFalse(run.stderr().lines().anyMatch(line -> line.contains("incubator")), run.stderr());
        assertTrue(run.stderr().lines().anyMatch(("strata knn: no such file: " + missing)::equals), run.stderr());
        assertEquals("", run.stdout());
        int inProcess = Main.run(args);
        assertNotEquals(0, inProcess);
        assertEquals(inProcess, run.status(), "the launcher exits with strata's own status");
    }

    @Test
    void stdoutPassesUntouched() throws Exception {
        Run run = run(command("knn", "--help"));
        assertEquals(0, run.status(), run.stderr());
        assertTrue(run.stdout().contains("--activations"), run.stdout());
        assertEquals("", run.stderr());
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private record Run(int status, String stdout, String stderr) {}

    /** Runs to the end, reading both streams to their end (stderr ends when the launcher's filter does). */
    private static Run run(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("STRATA_NATIVE_DIR", System.getProperty("strata.native.dir"));
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> text(process.getErrorStream()));
        String stdout = text(process.getInputStream());
        return new Run(process.waitFor(), stdout, stderr.get());
    }

    private static String text(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
