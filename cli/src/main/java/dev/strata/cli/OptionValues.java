package dev.strata.cli;

import dev.strata.compare.SimilarityMetric;
import dev.strata.knn.KnnBackends;
import dev.strata.knn.LayerView;
import dev.strata.store.Pooling;
import dev.strata.study.Study;
import java.util.function.Function;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * Option values picocli converts to the engine's enums, with the engine's wording of a value it does not know; such
 * a value is a one-line error (exit 1) like every other input the user can fix, not a usage screen.
 */
final class OptionValues {
    /** A value that names no constant of the option's enum. */
    static final class UnknownValue extends CommandLine.TypeConversionException {
        UnknownValue(String message) {
            super(message);
        }
    }

    private OptionValues() {}

    /** Registers the converters and the handler that prints an unknown value's one line. */
    static void install(CommandLine cli) {
        register(cli, SimilarityMetric.class, SimilarityMetric::parse);
        register(cli, LayerView.Kind.class, LayerView.Kind::parse);
        register(cli, KnnBackends.Device.class, KnnBackends.Device::parse);
        register(cli, Pooling.class, Pooling::of);
        register(cli, StoredPoolings.class, StoredPoolings::parse);
        register(cli, Study.Control.class, Study.Control::parse);
        CommandLine.IParameterExceptionHandler usage = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, args) -> {
            if (!(e.getCause() instanceof UnknownValue unknown)) return usage.handleParseException(e, args);
            String option = e.getArgSpec() instanceof OptionSpec spec ? spec.longestName() + ": " : "";
            e.getCommandLine().getErr().println("strata " + e.getCommandLine().getCommandName() + ": " + option
                    + unknown.getMessage());
            return 1;
        });
    }

    private static <T> void register(CommandLine cli, Class<T> type, Function<String, T> parse) {
        cli.registerConverter(type, text -> {
            try {
                return parse.apply(text);
            } catch (IllegalArgumentException e) {
                throw new UnknownValue(e.getMessage());
            }
        });
    }
}
