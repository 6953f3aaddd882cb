package dev.strata.results;

import dev.strata.compare.Calibration;
import dev.strata.compare.SimilarityStats;
import dev.strata.compare.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The plain-language reading of a study: a few sentences generated from the numbers, saying what holds, how strongly,
 * against which chance level, and where the results are mixed or weak. Pure, so it is tested on hand-made numbers.
 */
public final class Reading {
    /** p-values below this count as significant in the sentence about the permutation test. */
    static final double ALPHA = 0.05;
    /** Fewer prompts than this get a warning about noise (the paper uses 2048). */
    static final int SMALL_N = 200;
    /** An on-diagonal mean less than this share above the off-diagonal mean is "only slightly higher". */
    static final double SMALL_GAP = 0.1;

    /**
     * The numbers of one cross-model pair.
     *
     * @param control whether either model is an untrained control
     * @param p5      permutation p-value with 5 x 5 blocks (NaN when not computed)
     */
    public record PairFacts(String a, String b, boolean control, double on, double off, double rowSpearman,
                            double columnSpearman, double p5, double p10) {
        double difference() {
            return on - off;
        }
    }

    /**
     * One model's within-model decay: mean M of layers one apart and of the layers furthest apart.
     *
     * @param farOffset the largest layer offset (0 when the model has one layer: nothing to say)
     */
    public record WithinFacts(String model, boolean control, double adjacent, int farOffset, double far) {}

    private Reading() {}

    /**
     * One trained cross-model pair's matrix against its permutation null.
     *
     * @param onP           p-value of the on-diagonal mean against the shuffled prompts
     * @param onCalibrated  the on-diagonal mean's calibrated score
     * @param calibratedOn  the on-diagonal mean of the calibrated matrix
     * @param calibratedOff the off-diagonal mean of the calibrated matrix (NaN when there is none)
     */
    public record CalibrationFacts(double onP, double onCalibrated, double calibratedOn, double calibratedOff,
                                   int significantCells, int cells) {}

    /** The reading of a study's numbers, then what survives calibration, how sure it is and what the controls give. */
    static List<String> sentences(StudyResult r) {
        Settings settings = r.settings();
        List<String> out = new ArrayList<>(sentences(pairFacts(r), withinFacts(r), r.chance(), r.n(), settings.k(),
                settings.resamples()));
        List<Pair> calibrated = r.pairs().stream()
                .filter(p -> !p.withinModel() && !r.involvesControl(p) && p.comparison().calibration() != null).toList();
        if (!calibrated.isEmpty()) {
            out.add(calibrationSentence(calibrated.stream().map(p -> calibrationFacts(p.comparison().calibration()))
                    .toList(), calibrated.getFirst().comparison().calibration().permutations()));
        }
        out.addAll(ControlReading.sentences(r));
        return out;
    }

    private static CalibrationFacts calibrationFacts(Calibration c) {
        return new CalibrationFacts(c.onDiagonal().p(), c.onDiagonal().calibrated(), c.calibratedMeans().on(),
                c.calibratedMeans().off(), c.significantCells(), c.cells());
    }

    /**
     * Which conclusions survive calibration: whether the on-diagonal agreement is above what shuffled prompts give, and
     * whether the calibrated matrices still put more on the diagonal than off it.
     */
    public static String calibrationSentence(List<CalibrationFacts> pairs, int permutations) {
        int total = pairs.size();
        int aboveNull = (int) pairs.stream().filter(p -> p.onP() <= Calibration.ALPHA && p.onCalibrated() > 0).count();
        int depth = (int) pairs.stream().filter(p -> p.calibratedOn() > p.calibratedOff()).count();
        int significant = pairs.stream().mapToInt(CalibrationFacts::significantCells).sum();
        int cells = pairs.stream().mapToInt(CalibrationFacts::cells).sum();
        String pairWord = total == 1 ? "model pair" : "model pairs";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "Calibrated against %d shuffles of the prompt "
                + "correspondence, the on-diagonal mean stays above its null for %d of %d %s (calibrated score %s on "
                + "average), %d of %d cells stay significant after correcting for all cells of their matrix, and the "
                + "calibrated matrix is higher on the diagonal than off it for %d of %d", permutations, aboveNull, total,
                pairWord, fmt3(meanFinite(pairs.stream().map(CalibrationFacts::onCalibrated).toList())), significant,
                cells, depth, total));
        if (aboveNull == total && depth == total) {
            s.append(": both the agreement above chance and the depth correspondence survive calibration.");
        } else if (aboveNull == total) {
            s.append(depth == 0 ? ": the agreement above chance survives calibration, the depth correspondence does not."
                    : ": the agreement above chance survives calibration, the depth correspondence for some pairs only.");
        } else if (aboveNull > 0) {
            s.append(": the agreement survives calibration for some pairs only.");
        } else {
            s.append(": no pair's agreement survives calibration.");
        }
        return s.toString();
    }

    private static List<PairFacts> pairFacts(StudyResult r) {
        List<PairFacts> facts = new ArrayList<>();
        for (Pair p : r.pairs()) {
            if (p.withinModel()) continue;
            Summary s = p.comparison().summary();
            facts.add(new PairFacts(p.comparison().nameA(), p.comparison().nameB(), r.involvesControl(p),
                    s.onDiagonalMean(), s.offDiagonalMean(), s.rowArgmaxSpearman(), s.columnArgmaxSpearman(),
                    s.permutationP(5), s.permutationP(10)));
        }
        return facts;
    }

    private static List<WithinFacts> withinFacts(StudyResult r) {
        List<WithinFacts> facts = new ArrayList<>();
        for (Pair p : r.pairs()) {
            if (!p.withinModel()) continue;
            List<SimilarityStats.DecayPoint> decay = p.comparison().summary().decay();
            double adjacent = decay.stream().filter(d -> d.offset() == 1).mapToDouble(SimilarityStats.DecayPoint::mean)
                    .findFirst().orElse(Double.NaN);
            SimilarityStats.DecayPoint far = decay.getLast();
            facts.add(new WithinFacts(p.comparison().nameA(), r.models().get(p.i()).model().isControl(),
                    adjacent, far.offset(), far.mean()));
        }
        return facts;
    }

    /** The reading as sentences. */
    public static List<String> sentences(List<PairFacts> pairs, List<WithinFacts> within, double chance, int n,
                                         int k, int resamples) {
        List<String> out = new ArrayList<>();
        List<PairFacts> trained = pairs.stream().filter(p -> !p.control()).toList();
        List<PairFacts> controls = pairs.stream().filter(PairFacts::control).toList();
        String chanceText = String.format(Locale.ROOT, "chance level k/(n−1) = %s", fmt4(chance));

        if (trained.isEmpty()) {
            out.add("There is only one trained model, so there is no cross-model comparison; the within-model "
                    + "matrices below still show how similar its layers are to each other.");
        } else {
            int above = (int) trained.stream().filter(p -> p.on() > p.off()).count();
            int total = trained.size();
            double on = mean(trained, PairFacts::on);
            double off = mean(trained, PairFacts::off);
            double spearman = meanFinite(trained.stream()
                    .flatMap(p -> java.util.stream.Stream.of(p.rowSpearman(), p.columnSpearman())).toList());
            String pairWord = total == 1 ? "model pair" : "model pairs";
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "For %d of %d %s the on-diagonal mean exceeds the off-diagonal mean (on average %s against %s; %s)",
                    above, total, pairWord, fmt3(on), fmt3(off), chanceText));
            if (Double.isNaN(spearman)) {
                s.append("; argmax paths are undefined (every layer has the same best match).");
            } else {
                String shape = spearman >= 0.9 ? "monotone" : spearman >= 0.5 ? "mostly monotone" : "not monotone";
                s.append(String.format(Locale.ROOT, "; argmax paths are %s (mean Spearman %.2f).", shape, spearman));
            }
            out.add(s.toString());

            boolean nearChance = on < 2 * chance;
            boolean monotone = !Double.isNaN(spearman) && spearman >= 0.9;
            boolean smallGap = on - off < SMALL_GAP * off;
            if (above == total && monotone && !nearChance && !smallGap) {
                out.add("Layers at similar proportional depth have similar neighbourhoods, as the paper reports.");
            } else if (above == total) {
                List<String> reasons = new ArrayList<>();
                if (smallGap) reasons.add(String.format(Locale.ROOT, "the on-diagonal band is only slightly higher "
                        + "(by %s on average)", fmt3(on - off)));
                if (!monotone) reasons.add("the best-matching layers do not closely follow depth");
                if (nearChance) reasons.add("the similarities are close to chance");
                out.add("The on-diagonal band is higher for every pair, but the evidence is weaker than in the paper: "
                        + String.join(", and ", reasons) + ".");
            } else if (above > 0) {
                out.add(String.format(Locale.ROOT, "The evidence is mixed: the depth correspondence holds for %d "
                        + "of %d pairs but not for the others.", above, total));
            } else {
                out.add("These results do not show that layers at similar depth are more alike than other layers.");
            }
            if (nearChance) {
                out.add(String.format(Locale.ROOT, "The on-diagonal mean (%s) is less than twice the chance level "
                        + "(%s): the neighbourhoods barely agree at all.", fmt3(on), fmt4(chance)));
            } else {
                out.add(String.format(Locale.ROOT, "The on-diagonal mean is %.0f times the chance level.",
                        on / chance));
            }
            out.add(permutationSentence(trained, resamples));
        }

        if (!controls.isEmpty()) {
            int above = (int) controls.stream().filter(p -> p.on() > p.off()).count();
            double controlDifference = mean(controls, PairFacts::difference);
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "Pairs with an untrained control: the on-diagonal mean exceeds the off-diagonal mean for %d of %d, "
                    + "by %s on average (on-diagonal %s)", above, controls.size(), fmt3(controlDifference),
                    fmt3(mean(controls, PairFacts::on))));
            if (!trained.isEmpty()) {
                double trainedDifference = mean(trained, PairFacts::difference);
                s.append(String.format(Locale.ROOT, ", against %s for trained pairs", fmt3(trainedDifference)));
                if (controlDifference >= trainedDifference) {
                    s.append(". The untrained controls show as much depth structure as the trained models, so here it "
                            + "may come from the architecture (the residual stream) rather than from training.");
                } else if (trainedDifference >= 2 * Math.max(controlDifference, 0) && trainedDifference >= 0.02) {
                    s.append(". Training adds depth structure beyond what the architecture alone gives.");
                } else {
                    s.append(". The trained pairs' gap is not clearly larger, so training adds little depth structure "
                            + "beyond the architecture's here.");
                }
            } else {
                s.append('.');
            }
            out.add(s.toString());
        }

        List<WithinFacts> decays = within.stream().filter(w -> !w.control() && w.farOffset() >= 2).toList();
        if (!decays.isEmpty()) {
            double adjacent = meanFinite(decays.stream().map(WithinFacts::adjacent).toList());
            double far = meanFinite(decays.stream().map(WithinFacts::far).toList());
            out.add(String.format(Locale.ROOT, "Within %s, neighbouring layers agree %s (mean M %s at offset 1) than "
                    + "the layers furthest apart (%s).", decays.size() == 1 ? "the model" : "each model",
                    adjacent > far ? "more" : "no more", fmt3(adjacent), fmt3(far)));
        }
        if (n < SMALL_N) {
            out.add(String.format(Locale.ROOT, "With n = %d prompts (k = %d) these estimates are noisy; the paper "
                    + "uses n = 2048.", n, k));
        }
        return out;
    }

    /** The sentences joined into one paragraph. */
    public static String paragraph(List<PairFacts> pairs, List<WithinFacts> within, double chance, int n, int k,
                                   int resamples) {
        return String.join(" ", sentences(pairs, within, chance, n, k, resamples));
    }

    private static String permutationSentence(List<PairFacts> pairs, int resamples) {
        List<String> parts = new ArrayList<>();
        int undefined = 0;
        for (int blocks : new int[] {5, 10}) {
            List<Double> ps = pairs.stream().map(p -> blocks == 5 ? p.p5() : p.p10()).toList();
            long defined = ps.stream().filter(Double::isFinite).count();
            long significant = ps.stream().filter(p -> Double.isFinite(p) && p < ALPHA).count();
            undefined += (int) (ps.size() - defined);
            if (defined > 0) parts.add(String.format(Locale.ROOT, "B = %d: %d of %d", blocks, significant, defined));
        }
        if (parts.isEmpty()) {
            return "The block permutation test is not defined here: the matrices have fewer layers than blocks.";
        }
        StringBuilder s = new StringBuilder("Block permutation tests with p < 0.05: " + String.join("; ", parts) + ".");
        if (undefined > 0) s.append(" (Matrices smaller than B x B have no test.)");
        double smallest = 1.0 / (1 + resamples);
        if (smallest >= ALPHA) {
            s.append(String.format(Locale.ROOT, " With %d resamples no p-value can fall below %.3f.", resamples,
                    smallest));
        }
        return s.toString();
    }

    private static <T> double mean(List<T> items, ToDoubleFunction<T> value) {
        return meanFinite(items.stream().map(value::applyAsDouble).toList());
    }

    private static double meanFinite(List<Double> values) {
        return values.stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    public static String fmt3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    public static String fmt4(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }
}
