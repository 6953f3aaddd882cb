package dev.strata.results;

import java.nio.file.Path;

/**
 * One model of a study.
 *
 * @param name      display name: the GGUF file name without extension, de-duplicated; "X (untrained)" for controls
 * @param slug      the directory name under models/ and in pair names
 * @param controlOf for a control, the name of the real model it mirrors; else null
 */
public record Model(String name, String slug, Path file, String controlOf) {
    public boolean isControl() {
        return controlOf != null;
    }
}
