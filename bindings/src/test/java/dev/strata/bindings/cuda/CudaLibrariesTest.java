package dev.strata.bindings.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaLibrariesTest {
    @TempDir Path dir;

    @Test
    void probingThisMachineNeverThrowsAndExplainsWhatIsMissing() {
        CudaLibraries.Probe probe = CudaLibraries.probe();
        if (probe instanceof CudaLibraries.Missing(String reason)) {
            assertFalse(reason.isBlank());
            assertFalse(reason.contains("\n"), reason);
            assertTrue(reason.contains(" not found in: ") || reason.contains("no CUDA device")
                    || reason.contains("could not be loaded"), reason);
        } else {
            assertTrue(((CudaLibraries.Ready) probe).devices() > 0);
        }
        assertSame(probe, CudaLibraries.probe(), "probed once");
    }

    @Test
    void missingLibrariesAreNamedWithEveryPlaceTried() {
        Path home = dir.resolve("cuda");
        CudaLibraries.Probe probe = CudaLibraries.probe(new CudaLibraries.SearchPath(false, List.of(home), List.of()));
        String reason = ((CudaLibraries.Missing) probe).reason();
        assertTrue(reason.contains("libcudart.so.13 not found in: " + home.resolve("lib64") + ", " + home.resolve("lib")), reason);
        assertTrue(reason.contains("libcublas.so.12 not found in: "), reason);
        assertTrue(reason.contains("libnvrtc.so.12 not found in: "), reason);
    }

    @Test
    void aBrokenLibraryIsReportedNotFatal() throws Exception {
        Path sp = dir.resolve("site-packages");
        Path lib = Files.createDirectories(sp.resolve("nvidia/cu13/lib"));
        Files.writeString(lib.resolve("libcudart.so.13"), "not an ELF file");
        CudaLibraries.Probe probe = CudaLibraries.probe(new CudaLibraries.SearchPath(false, List.of(), List.of(sp)));
        String reason = ((CudaLibraries.Missing) probe).reason();
        assertTrue(reason.contains("libcudart.so.13 could not be loaded: " + lib.resolve("libcudart.so.13")), reason);
    }

    @Test
    void pipWheelFoldersAreFoundForBothLayouts() throws Exception {
        Path sp = dir.resolve("site-packages");
        Files.createDirectories(sp.resolve("nvidia/cu13/lib"));
        Files.createDirectories(sp.resolve("nvidia/cublas/lib"));
        Files.createDirectories(sp.resolve("nvidia/cuda_nvrtc/lib"));
        Files.createDirectories(sp.resolve("nvidia/empty"));
        assertEquals(List.of(sp.resolve("nvidia/cu13/lib"), sp.resolve("nvidia/cublas/lib"), sp.resolve("nvidia/cuda_nvrtc/lib")),
                CudaLibraries.nvidiaLibFolders(sp));
        assertEquals(List.of(), CudaLibraries.nvidiaLibFolders(dir.resolve("nowhere")));
    }

    @Test
    void sitePackagesOfAVirtualEnvironmentAreScanned() throws Exception {
        Path venv = dir.resolve("venv");
        Path sp = Files.createDirectories(venv.resolve("lib/python3.12/site-packages"));
        List<Path> found = CudaLibraries.sitePackages(Map.of("VIRTUAL_ENV", venv.toString()), dir.resolve("home"), false);
        assertTrue(found.contains(sp), found.toString());
    }

    @Test
    void cublasStatusNamesWithoutTheLibrary() {
        assertEquals("CUBLAS_STATUS_ALLOC_FAILED (3)", Cublas.statusName(3));
        assertEquals("cublasStatus (99)", Cublas.statusName(99));
    }
}
