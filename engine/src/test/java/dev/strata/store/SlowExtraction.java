package dev.strata.store;

import java.nio.file.Path;

/** A child process for {@link ActivationStoreKillTest}: writes the fixture run slowly until it is killed. */
public final class SlowExtraction {
    private SlowExtraction() {}

    /** Arguments: the output directory and the pause around each checkpoint in milliseconds. */
    public static void main(String[] args) throws Exception {
        try (RowBatch batch = RowBatch.allocate(5, StoreFixtures.TENSORS, StoreFixtures.WIDTH, RowBatch.Layout.PROMPT_MAJOR);
                ActivationStore store = ActivationStore.resume(Path.of(args[0]), StoreFixtures.FINGERPRINT, StoreFixtures.METADATA)) {
            StoreFixtures.appendRest(store, batch, Long.parseLong(args[1]), done -> {
                System.out.println("checkpoint " + done);
                System.out.flush();
            });
        }
    }
}
