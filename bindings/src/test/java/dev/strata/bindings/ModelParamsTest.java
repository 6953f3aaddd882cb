package dev.strata.bindings;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fields ModelParams sets land where the C probe (native/probe/layout_probe.c) says llama.h has them. */
class ModelParamsTest {
    static Map<String, Long> probe;

    @BeforeAll
    static void init() throws IOException {
        Llama.init(Llama.defaultNativeDir());
        probe = LayoutProbeTest.probe();
    }

    static int field(ModelParams params, String name) {
        return params.segment().get(JAVA_INT, probe.get("llama_model_params." + name));
    }

    @Test
    void aSingleGpuIsSplitModeNoneWithThatMainGpu() {
        try (Arena arena = Arena.ofConfined()) {
            ModelParams params = new ModelParams(arena).nGpuLayers(-1);
            // llama_model_default_params: layers split over every GPU, GPU 0 the main one.
            assertEquals(1, field(params, "split_mode"), "LLAMA_SPLIT_MODE_LAYER");
            assertEquals(0, field(params, "main_gpu"));

            params.singleGpu(3);
            assertEquals(ModelParams.SPLIT_MODE_NONE, field(params, "split_mode"));
            assertEquals(0, field(params, "split_mode"), "LLAMA_SPLIT_MODE_NONE");
            assertEquals(3, field(params, "main_gpu"));
            assertEquals(-1, field(params, "n_gpu_layers"), "the other fields stay");
            assertThrows(IllegalArgumentException.class, () -> params.singleGpu(-1));
        }
    }
}
