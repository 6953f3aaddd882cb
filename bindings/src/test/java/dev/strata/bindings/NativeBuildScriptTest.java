package dev.strata.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * native/build-llama.sh's stamp cache, run for real in a folder of its own: with the stamp of the present pin and
 * flags it does nothing, with an older checkout's stamp it rebuilds. cmake, npm and git are stubs here that log their
 * calls and fail, so no rebuild can actually start.
 */
class NativeBuildScriptTest {
    private static final Path SCRIPT = Path.of("../native/build-llama.sh").toAbsolutePath().normalize();
    private static final String ALL_VARIANTS = " -DGGML_CPU_ALL_VARIANTS=ON";

    @TempDir Path dir;
    Path work;
    Path calls;
    String presentStamp;

    record Run(int status, String stdout, String stderr) {}

    @BeforeEach
    void stubTools() throws IOException, InterruptedException {
        work = Files.createDirectories(dir.resolve("native"));
        calls = dir.resolve("calls.log");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("cmake", "npm", "git")) {
            Path stub = bin.resolve(tool);
            Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> '" + calls + "'\nexit 1\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path lib = Files.createDirectories(work.resolve("cpu/lib"));
        Files.writeString(lib.resolve("libllama.so"), "the build in use");
        Run stamp = run("--stamp", "cpu");
        assertEquals(0, stamp.status(), stamp.stderr());
        presentStamp = stamp.stdout().strip();
    }

    @Test
    void thePresentFlagsBuildEveryCpuVariant() {
        assertTrue(presentStamp.contains(ALL_VARIANTS), presentStamp);
        assertTrue(Files.notExists(calls), "printing the stamp runs no tool");
    }

    @Test
    void aStampOfThePresentFlagsSkipsTheBuildAndIsRefreshed() throws Exception {
        Path stamp = Files.writeString(work.resolve("cpu/stamp"), presentStamp + "\n");
        Files.setLastModifiedTime(stamp, FileTime.fromMillis(0));
        Run run = run("cpu");
        assertEquals(0, run.status(), run.stderr());
        assertEquals("", run.stderr());
        assertTrue(Files.notExists(calls), "no tool was run");
        assertTrue(Files.getLastModifiedTime(stamp).toMillis() > 0, "the stamp is touched, so make stops asking");
    }

    @Test
    void aStampWithoutTheCpuVariantsRebuildsAndAFailedRebuildKeepsTheLibrariesInUse() throws Exception {
        String older = presentStamp.replace(ALL_VARIANTS, "");
        Files.writeString(work.resolve("cpu/stamp"), older + "\n");
        Run run = run("cpu");
        assertNotEquals(0, run.status());
        assertTrue(run.stderr().contains("fetching"), run.stderr());
        assertTrue(Files.readString(calls).startsWith("npm pack"), Files.readString(calls));
        assertEquals(older + "\n", Files.readString(work.resolve("cpu/stamp")));
        assertEquals("the build in use", Files.readString(work.resolve("cpu/lib/libllama.so")));
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        Map<String, String> env = builder.environment();
        env.put("STRATA_NATIVE_BUILD", work.toString());
        env.put("PATH", dir.resolve("bin") + ":" + env.get("PATH"));
        Process process = builder.start();
        // Both are a few lines at most, so reading one after the other cannot block on a full pipe.
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), stdout, stderr);
    }
}
