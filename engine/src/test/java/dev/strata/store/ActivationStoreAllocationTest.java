package dev.strata.store;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot loop of an extraction is append, and checkpoint every batch or few, for up to 10^5 prompts. Append must not
 * allocate: it makes T x 2 positional writes from ByteBuffer views created once. Run interpreted (-Xint) it allocates
 * exactly 0 bytes per batch after the first; with the JIT a few one-off objects (about 2 KB in all, around the C2
 * compilations) appear, so the bound is "less than one 16-byte object per batch on average", whereas a single object
 * per write would be 784 bytes per batch here. Checkpoint may allocate for its small JSON file, but a bounded amount
 * that does not grow with the prompts done.
 */
class ActivationStoreAllocationTest {
    private static final int BATCH = 4;
    private static final int TENSORS = 6;
    private static final int WIDTH = 64;
    private static final int WARM_UP_BATCHES = 100;
    private static final int MEASURED_BATCHES = 500;
    /** Checkpoints force three files to disk; fewer of them keep the test fast on a busy disk. */
    private static final int BATCHES_PER_CHECKPOINT = 5;
    private static final int SMALLEST_OBJECT_BYTES = 16;

    @TempDir Path tmp;

    @Test
    void appendAllocatesNothingAndCheckpointLittle() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        int prompts = (WARM_UP_BATCHES + MEASURED_BATCHES) * BATCH;
        StoreFingerprint fingerprint = new StoreFingerprint("m", "c", "o", prompts, WIDTH, TENSORS,
                java.util.EnumSet.allOf(Pooling.class));
        try (RowBatch batch = RowBatch.allocate(BATCH, TENSORS, WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.create(tmp, fingerprint, Map.of("k", "v"), IfExists.REFUSE)) {
            for (int b = 0; b < WARM_UP_BATCHES; b++) {
                store.append(b * BATCH, BATCH, batch);
                if (b % BATCHES_PER_CHECKPOINT == 0) {
                    store.checkpoint();
                }
            }
            long appendBytes = 0;
            long firstHalfCheckpointBytes = 0;
            long secondHalfCheckpointBytes = 0;
            for (int b = 0; b < MEASURED_BATCHES; b++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                store.append((WARM_UP_BATCHES + b) * BATCH, BATCH, batch);
                long between = threads.getCurrentThreadAllocatedBytes();
                appendBytes += between - before;
                if (b % BATCHES_PER_CHECKPOINT != 0) {
                    continue;
                }
                store.checkpoint();
                long after = threads.getCurrentThreadAllocatedBytes();
                if (b < MEASURED_BATCHES / 2) {
                    firstHalfCheckpointBytes += after - between;
                } else {
                    secondHalfCheckpointBytes += after - between;
                }
            }
            long perCheckpoint = (firstHalfCheckpointBytes + secondHalfCheckpointBytes) / (MEASURED_BATCHES / BATCHES_PER_CHECKPOINT);
            assertTrue(appendBytes < (long) SMALLEST_OBJECT_BYTES * MEASURED_BATCHES,
                    "append allocated " + appendBytes + " bytes over " + MEASURED_BATCHES + " batches");
            assertTrue(perCheckpoint < 16 * 1024, "checkpoint allocates " + perCheckpoint + " bytes");
            assertTrue(secondHalfCheckpointBytes < firstHalfCheckpointBytes * 1.1,
                    "checkpoint allocation grows with progress: " + firstHalfCheckpointBytes + " then " + secondHalfCheckpointBytes);
        }
    }
}
