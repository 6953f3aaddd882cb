package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.strata.corpus.Corpus;
import dev.strata.io.Sha256;
import dev.strata.store.IfExists;
import dev.strata.store.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
    static final int ANY = ExtractOptions.ANY_GPU;

    @TempDir Path tmp;

    @Test
    void runsOfOneModelShareOneLoadAndOneHash() throws IOException {
        Path file = TestModels.tinyF32();
        try (ModelCache cache = new ModelCache();
                ModelCache.Lease first = cache.open(file, 0, ANY);
                ModelCache.Lease second = cache.open(file, 0, ANY)) {
            assertSame(first.model(), second.model());
            assertEquals(Sha256.of(file), first.sha256());
            try (ModelCache.Lease offloaded = cache.open(file, -1, ANY)) {
                assertNotSame(first.model(), offloaded.model(), "other GPU layers: another load");
            }
            try (ModelCache.Lease onOneGpu = cache.open(file, 0, 0)) {
                assertNotSame(first.model(), onOneGpu.model(), "one GPU rather than any: another load");
            }
        }
    }

    @Test
    void aFileChangedOnDiskIsLoadedAnew() throws IOException {
        Path file = Files.copy(TestModels.tinyF32(), tmp.resolve("model.gguf"));
        try (ModelCache cache = new ModelCache()) {
            LoadedModel before;
            try (ModelCache.Lease lease = cache.open(file, 0, ANY)) {
                before = lease.model();
            }
            Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 60_000));
            try (ModelCache.Lease lease = cache.open(file, 0, ANY)) {
                assertNotSame(before, lease.model());
            }
        }
    }

    @Test
    void aModelInUseStaysLoadedWhenAnotherIsAskedFor() throws IOException {
        Path a = Files.copy(TestModels.tinyF32(), tmp.resolve("a.gguf"));
        Path b = Files.copy(TestModels.tinyF32(), tmp.resolve("b.gguf"));
        try (ModelCache cache = new ModelCache(); ModelCache.Lease first = cache.open(a, 0, ANY)) {
            int[] tokens = first.model().tokenize("the same text");
            try (ModelCache.Lease second = cache.open(b, 0, ANY)) {
                assertNotSame(first.model(), second.model());
                assertArrayEquals(tokens, first.model().tokenize("the same text"), "the first model is not freed");
            }
        }
    }

    @Test
    void anExtractorWithACacheWritesTheBytesOfOneWithout() throws IOException {
        Path prompts = Files.write(tmp.resolve("prompts.txt"), ExtractorTest.PROMPTS);
        Corpus corpus = Corpus.load(prompts);
        ExtractOptions options = ExtractorTest.SMALL_BATCHES.withPoolings(EnumSet.allOf(Pooling.class));
        Path alone = tmp.resolve("alone");
        new Extractor("test").run(TestModels.tinyF32(), corpus, alone, options, IfExists.REFUSE, (d, t, k, s) -> {});
        try (ModelCache cache = new ModelCache()) {
            Extractor cached = new Extractor("test", cache);
            for (String name : new String[] {"cached-1", "cached-2", "gpu-0"}) {
                Path dir = tmp.resolve(name);
                // The whole model on GPU 0 (split mode none) as a cluster's task asks: where llama.cpp has no GPU, as
                // here, it changes nothing.
                ExtractOptions placed = name.startsWith("gpu") ? options.withGpu(0) : options;
                cached.run(TestModels.tinyF32(), corpus, dir, placed, IfExists.REFUSE, (d, t, k, s) -> {});
                for (Pooling pooling : Pooling.values()) {
                    assertArrayEquals(Files.readAllBytes(alone.resolve(pooling.fileName())),
                            Files.readAllBytes(dir.resolve(pooling.fileName())), name + " " + pooling);
                }
            }
        }
    }
}
