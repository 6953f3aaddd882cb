package dev.strata.study;

import dev.strata.extract.Extractor;

/** A study listener that reports nothing, for tests that only look at the outputs. */
public final class SilentListener implements Study.Listener {
    @Override
    public void stage(String line) {}

    @Override
    public Extractor.Progress extraction(String model) {
        return (done, total, tokens, nanos) -> {};
    }
}
