package dev.strata.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compares every Java struct layout with sizeof/offsetof printed by native/probe/layout_probe.c. */
class LayoutProbeTest {
    static Map<String, Long> probe() throws IOException {
        Path file = Path.of(System.getProperty("strata.layout.probe", "build/native/layout-probe.txt"));
        assertTrue(Files.isRegularFile(file), "layout probe output missing: " + file + " (run `make native`)");
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split(" ");
            values.put(parts[0], Long.parseLong(parts[1]));
        }
        return values;
    }

    @Test
    void everyNamedFieldAndSizeMatchesTheHeaders() throws IOException {
        Map<String, Long> probe = probe();
        int checked = 0;
        for (StructLayout struct : Layouts.ALL) {
            String name = struct.name().orElseThrow();
            assertEquals(probe.get(name), struct.byteSize(), "sizeof(" + name + ")");
            for (MemoryLayout member : struct.memberLayouts()) {
                if (member.name().isEmpty()) continue; // padding
                String key = name + "." + member.name().get();
                assertTrue(probe.containsKey(key), key + " is in the Java layout but not in the probe");
                assertEquals(probe.get(key), Layouts.offset(struct, member.name().get()), "offsetof(" + key + ")");
                checked++;
            }
        }
        long probedFields = probe.keySet().stream().filter(k -> k.contains(".")).count();
        assertEquals(probedFields, checked, "every probed field has a Java counterpart");
    }

    @Test
    void layoutsHaveNoImplicitGaps() {
        // FFM passes structs by value as declared: a missing padding field would shift every later field.
        for (GroupLayout struct : Layouts.ALL) {
            long sum = struct.memberLayouts().stream().mapToLong(MemoryLayout::byteSize).sum();
            assertEquals(struct.byteSize(), sum, struct.name().orElseThrow());
        }
    }
}
