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
 * native/build-llama-bench.sh's stamp cache, run for real in a folder of its own: its stamp names the libraries it is
 * built against, so the tool is kept while they stay and rebuilt when they change. cmake is a stub that logs its calls
 * and fails, so no build can actually start.
 */
class LlamaBenchBuildScriptTest {
    private static final Path SCRIPT = Path.of("../native/build-llama-bench.sh").toAbsolutePath().normalize();

    @TempDir Path dir;
    Path work;
    Path calls;

    record Run(int status, String stdout, String stderr) {}

    @BeforeEach
    void stubCmake() throws IOException {
        work = Files.createDirectories(dir.resolve("native"));
        calls = dir.resolve("calls.log");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path stub = bin.resolve("cmake");
        Files.writeString(stub, "#!/bin/sh\necho \"cmake $*\" >> '" + calls + "'\nexit 1\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(work.resolve("cpu/lib"));
        Files.writeString(work.resolve("cpu/stamp"), "libraries A\n");
        Files.writeString(Files.createDirectories(work.resolve("src-v0.5.0")).resolve("CMakeLists.txt"), "");
        Path tool = Files.createDirectories(work.resolve("llama-bench/bin")).resolve("llama-bench");
        Files.writeString(tool, "the tool in use");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aStampOfTheseLibrariesSkipsTheBuildAndIsRefreshed() throws Exception {
        Run stamp = run("--stamp");
        assertEquals(0, stamp.status(), stamp.stderr());
        assertTrue(stamp.stdout().contains("libraries A"), "names the libraries: " + stamp.stdout());
        Path stampFile = Files.writeString(work.resolve("llama-bench/stamp"), stamp.stdout());
        Files.setLastModifiedTime(stampFile, FileTime.fromMillis(0));
        Run run = run();
        assertEquals(0, run.status(), run.stderr());
        assertTrue(Files.notExists(calls), "no tool was run");
        assertTrue(Files.getLastModifiedTime(stampFile).toMillis() > 0, "the stamp is touched, so make stops asking");
    }

    @Test
    void otherLibrariesRebuildAndAFailedRebuildKeepsTheToolInUse() throws Exception {
        Files.writeString(work.resolve("llama-bench/stamp"), run("--stamp").stdout());
        Files.writeString(work.resolve("cpu/stamp"), "libraries B\n");
        Run run = run();
        assertNotEquals(0, run.status());
        assertTrue(Files.readString(calls).startsWith("cmake -S"), Files.readString(calls));
        assertEquals("the tool in use", Files.readString(work.resolve("llama-bench/bin/llama-bench")));
    }

    @Test
    void withoutLibrariesItSaysWhatToBuildFirst() throws Exception {
        Files.delete(work.resolve("cpu/stamp"));
        Run run = run();
        assertEquals(1, run.status());
        assertTrue(run.stderr().contains("native/build-llama.sh"), run.stderr());
        assertTrue(Files.notExists(calls), "no tool was run");
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("STRATA_NATIVE_BUILD", work.toString());
        env.remove("STRATA_LLAMA_BENCH_DIR");
        env.put("PATH", dir.resolve("bin") + ":" + env.get("PATH"));
        Process process = builder.start();
        // Both are a few lines at most, so reading one after the other cannot block on a full pipe.
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), stdout, stderr);
    }
}
