package dev.strata.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.corpus.Corpus;
import dev.strata.store.Pooling;
import dev.strata.store.RowBatch;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The finiteness check runs on every batch of every extraction, on the rows of both poolings: it must not allocate
 * (bound as in ActivationStoreAllocationTest: less than one 16-byte object per batch, to leave room for the JIT's
 * one-off objects), and it must find one NaN or Inf wherever it lies, in either layout.
 */
class FiniteCheckAllocationTest {
    private static final int SLOTS = 8;
    private static final int TENSORS = 10;
    private static final int WIDTH = 96;
    private static final int WARM_UP_BATCHES = 2_000;
    private static final int MEASURED_BATCHES = 2_000;

    @Test
    void aFiniteBatchIsCheckedWithoutAllocating() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        FiniteCheck check = new FiniteCheck("m.gguf", Corpus.randomStrings(SLOTS, 1), EnumSet.allOf(Pooling.class));
        try (RowBatch batch = RowBatch.allocate(SLOTS, TENSORS, WIDTH, RowBatch.Layout.TENSOR_MAJOR)) {
            for (int b = 0; b < WARM_UP_BATCHES; b++) check.requireFinite(batch, 0, SLOTS);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int b = 0; b < MEASURED_BATCHES; b++) check.requireFinite(batch, 0, SLOTS);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16L * MEASURED_BATCHES, "checking allocated " + allocated + " bytes");
        }
    }

    @Test
    void oneNonFiniteValueAnywhereIsFoundAndNamed() throws Exception {
        Corpus corpus = Corpus.randomStrings(20, 1);
        FiniteCheck check = new FiniteCheck("m.gguf", corpus, EnumSet.allOf(Pooling.class));
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (RowBatch.Layout layout : RowBatch.Layout.values()) {
            try (RowBatch batch = RowBatch.allocate(SLOTS, TENSORS, WIDTH, layout)) {
                int slot = 5;
                int tensor = TENSORS - 1;
                for (float value : bad) {
                    long at = batch.rowOffset(slot, tensor) + (WIDTH - 1) * Float.BYTES;
                    batch.rows(Pooling.MEAN).set(RowBatch.FLOAT, at, value);
                    check.requireFinite(batch, 10, slot); // slots before the bad one are finite
                    NonFiniteActivationsException e = assertThrows(NonFiniteActivationsException.class,
                            () -> check.requireFinite(batch, 10, SLOTS));
                    assertEquals("m.gguf: 1 non-finite values (NaN or Inf) in final_norm of prompt 15 (id 16, mean pooling);"
                            + " 1 in final_norm of prompts 10..17; the run stopped before storing them", e.getMessage(),
                            layout + " " + value);
                    batch.rows(Pooling.MEAN).set(RowBatch.FLOAT, at, 0f);
                }
            }
        }
    }
}
