package dev.strata.chart;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeatmapTest {
    @Test
    void viridisRunsFromDarkPurpleToYellow() {
        // matplotlib: viridis(0) = #440154, viridis(0.5) = #21918c, viridis(1) = #fde725.
        assertColourNear(0x440154, Viridis.rgb(0));
        assertColourNear(0x21918c, Viridis.rgb(0.5));
        assertColourNear(0xfde725, Viridis.rgb(1));
    }

    private static void assertColourNear(int expected, int actual) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = (expected >> shift) & 0xff;
            int a = (actual >> shift) & 0xff;
            assertTrue(Math.abs(e - a) <= 6, String.format("expected #%06x, got #%06x", expected, actual));
        }
    }

    @Test
    void ticksUseARoundStrideThatFits() {
        int[] layers = java.util.stream.IntStream.rangeClosed(1, 30).toArray();
        // 20 px per layer with 34 px needed: stride 2, and layer 1 sits too close to layer 2 for its own tick.
        List<Integer> ticks = Heatmap.tickPositions(layers, 20, 34);
        assertEquals(List.of(1, 3, 5), ticks.subList(0, 3)); // indices of layers 2, 4, 6
        assertEquals(29, ticks.getLast()); // layer 30
        // 5 px per layer: stride 10 (5 x 5 = 25 < 34), plus layer 1, which is 9 from the next tick (10).
        assertEquals(List.of(0, 9, 19, 29), Heatmap.tickPositions(layers, 5, 34));
        assertArrayEquals(new double[] {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, Heatmap.niceTicks(0, 0.68, 8), 1e-12);
    }

    @Test
    void rendersTheMatrixWithTheColourOfEachCell() {
        double[][] m = {{0, 1}, {1, 0}};
        boolean[][] diagonal = {{true, false}, {false, true}};
        Heatmap.Spec spec = new Heatmap.Spec(m, diagonal, new int[] {1, 2}, new int[] {1, 2}, "a", "b", "t", "s", 0.25,
                0, 1);
        BufferedImage image = Heatmap.render(spec);
        assertEquals(Heatmap.WIDTH, image.getWidth());
        assertEquals(Heatmap.HEIGHT, image.getHeight());
        // Sample away from the diagonal outline: the middle of the top-right cell (value 1) is yellow.
        int plotRight = Heatmap.WIDTH - 70 - 22 - 74;
        int x = plotRight - (plotRight - 95) / 4;
        int y = 84 + (Heatmap.HEIGHT - 70 - 84) / 4;
        assertEquals(Viridis.rgb(1), image.getRGB(x, y) & 0xffffff);
    }
}
