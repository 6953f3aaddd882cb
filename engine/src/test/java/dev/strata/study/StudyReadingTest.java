package dev.strata.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.results.Reading.PairFacts;
import dev.strata.results.Reading.WithinFacts;
import dev.strata.results.Reading;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain-language reading on hand-made numbers: it must say what the numbers say, including when they are weak. */
class StudyReadingTest {
    static final double CHANCE = 10.0 / 2047;
    static PairFacts pair(String a, String b, double on, double off, double spearman, double p5, double p10) {
        return new PairFacts(a, b, false, on, off, spearman, spearman, p5, p10);
    }

    static String read(List<PairFacts> pairs, List<WithinFacts> within, int n) {
        return Reading.paragraph(pairs, within, CHANCE, n, 10, 1000);
    }

    @Test
    void allPairsAboveAndMonotoneReadsAsTheClaimHolding() {
        String text = read(List.of(pair("a", "b", 0.41, 0.27, 0.99, 0.001, 0.001),
                pair("a", "c", 0.38, 0.25, 0.97, 0.002, 0.001), pair("b", "c", 0.45, 0.30, 0.95, 0.01, 0.003)),
                List.of(), 2048);
        assertTrue(text.startsWith("For 3 of 3 model pairs the on-diagonal mean exceeds the off-diagonal mean"), text);
        assertTrue(text.contains("argmax paths are monotone (mean Spearman 0.97)"), text);
        assertTrue(text.contains("Layers at similar proportional depth have similar neighbourhoods"), text);
        assertTrue(text.contains("chance level k/(n−1) = 0.0049"), text);
        assertTrue(text.contains("B = 5: 3 of 3; B = 10: 3 of 3"), text);
        assertFalse(text.contains("noisy"), text);
    }

    @Test
    void mixedResultsAreCalledMixed() {
        String text = read(List.of(pair("a", "b", 0.30, 0.25, 0.8, 0.04, 0.2), pair("a", "c", 0.20, 0.26, 0.1, 0.7, 0.9)),
                List.of(), 2048);
        assertTrue(text.startsWith("For 1 of 2 model pairs"), text);
        assertTrue(text.contains("The evidence is mixed"), text);
        assertTrue(text.contains("not monotone (mean Spearman 0.45)"), text);
        assertFalse(text.contains("have similar neighbourhoods"), text);
        assertTrue(text.contains("B = 5: 1 of 2; B = 10: 0 of 2"), text);
    }

    @Test
    void noPairAboveSaysSo() {
        String text = read(List.of(pair("a", "b", 0.20, 0.25, -0.2, 0.9, 0.95)), List.of(), 2048);
        assertTrue(text.startsWith("For 0 of 1 model pair the"), text);
        assertTrue(text.contains("do not show that layers at similar depth are more alike"), text);
    }

    @Test
    void similaritiesNearChanceAreFlaggedEvenWhenOnExceedsOff() {
        String text = read(List.of(pair("a", "b", 0.007, 0.005, 1.0, 0.01, 0.01)), List.of(), 2048);
        assertTrue(text.contains("less than twice the chance level"), text);
        assertTrue(text.contains("the evidence is weaker than in the paper: the similarities are close to chance."), text);
        assertFalse(text.contains("have similar neighbourhoods"), text);
    }

    @Test
    void aSmallGapIsCalledSmall() {
        String text = read(List.of(pair("a", "b", 0.320, 0.311, 0.53, 0.04, 0.5)), List.of(), 2048);
        assertTrue(text.contains("weaker than in the paper: the on-diagonal band is only slightly higher (by 0.009 on "
                + "average), and the best-matching layers do not closely follow depth."), text);
        assertTrue(text.contains("mostly monotone (mean Spearman 0.53)"), text);
    }

    @Test
    void undefinedTestsAndSmallCorporaAreExplained() {
        double nan = Double.NaN;
        String text = Reading.paragraph(List.of(pair("a", "b", 0.5, 0.3, 1.0, nan, nan)), List.of(), 5.0 / 39, 40, 5, 50);
        assertTrue(text.contains("not defined here: the matrices have fewer layers than blocks"), text);
        assertTrue(text.contains("With n = 40 prompts (k = 5) these estimates are noisy"), text);
    }

    @Test
    void tooFewResamplesForSignificanceIsSaid() {
        String text = Reading.paragraph(List.of(pair("a", "b", 0.5, 0.3, 1.0, 0.1, 0.1)), List.of(), CHANCE, 2048, 10, 9);
        assertTrue(text.contains("With 9 resamples no p-value can fall below 0.100"), text);
    }

    @Test
    void controlsAreComparedWithTrainedPairs() {
        PairFacts trained = pair("a", "b", 0.40, 0.25, 0.99, 0.001, 0.001);
        PairFacts control = new PairFacts("a", "a (untrained)", true, 0.10, 0.09, 0.3, 0.2, 0.4, 0.5);
        String text = read(List.of(trained, control), List.of(), 2048);
        assertTrue(text.startsWith("For 1 of 1 model pair "), text);
        assertTrue(text.contains("Pairs with an untrained control: the on-diagonal mean exceeds the off-diagonal mean "
                + "for 1 of 1, by 0.010 on average (on-diagonal 0.100), against 0.150 for trained pairs. Training adds"),
                text);

        PairFacts strongControl = new PairFacts("a", "a (untrained)", true, 0.6, 0.2, 1, 1, 0.001, 0.001);
        assertTrue(read(List.of(trained, strongControl), List.of(), 2048).contains("may come from the architecture"));

        PairFacts closeControl = new PairFacts("a", "a (untrained)", true, 0.35, 0.25, 1, 1, 0.001, 0.001);
        assertTrue(read(List.of(trained, closeControl), List.of(), 2048).contains("not clearly larger"));
    }

    @Test
    void oneModelOnlyHasNoCrossModelClaimButADecaySentence() {
        String text = read(List.of(), List.of(new WithinFacts("a", false, 0.79, 10, 0.45)), 2048);
        assertTrue(text.startsWith("There is only one trained model"), text);
        assertTrue(text.contains("Within the model, neighbouring layers agree more (mean M 0.790 at offset 1) than the "
                + "layers furthest apart (0.450)."), text);
    }

    @Test
    void sentencesAreSeparateAndNonEmpty() {
        List<String> s = Reading.sentences(List.of(pair("a", "b", 0.41, 0.27, 0.99, 0.001, 0.001)), List.of(),
                CHANCE, 2048, 10, 1000);
        assertEquals(4, s.size(), s.toString());
        s.forEach(line -> assertFalse(line.isBlank()));
    }

    @Test
    void theCalibrationSentenceSaysWhichConclusionsSurvive() {
        Reading.CalibrationFacts strong = new Reading.CalibrationFacts(0.005, 0.25, 0.30, 0.20, 600, 720);
        Reading.CalibrationFacts flat = new Reading.CalibrationFacts(0.005, 0.15, 0.20, 0.22, 500, 540);
        Reading.CalibrationFacts none = new Reading.CalibrationFacts(0.4, 0.0, 0.0, 0.0, 0, 540);
        String both = Reading.calibrationSentence(List.of(strong, strong), 200);
        assertTrue(both.startsWith("Calibrated against 200 shuffles of the prompt correspondence, the on-diagonal mean "
                + "stays above its null for 2 of 2 model pairs (calibrated score 0.250 on average), 1200 of 1440 cells"),
                both);
        assertTrue(both.endsWith("for 2 of 2: both the agreement above chance and the depth correspondence survive "
                + "calibration."), both);
        assertTrue(Reading.calibrationSentence(List.of(strong, flat), 200)
                .endsWith("the depth correspondence for some pairs only."));
        assertTrue(Reading.calibrationSentence(List.of(flat), 200).endsWith("the depth correspondence does not."));
        assertTrue(Reading.calibrationSentence(List.of(strong, none), 200)
                .endsWith("the agreement survives calibration for some pairs only."));
        assertTrue(Reading.calibrationSentence(List.of(none), 200).endsWith("no pair's agreement survives calibration."));
    }
}
