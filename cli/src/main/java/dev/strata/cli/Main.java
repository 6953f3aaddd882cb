package dev.strata.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The strata command line: a thin layer over the engine; each subcommand lives in its own class. */
@Command(name = "strata", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Layer-by-layer activation geometry of GGUF language models.",
        subcommands = {InfoCommand.class, ExtractCommand.class, KnnCommand.class, CompareCommand.class,
                StudyCommand.class})
public final class Main implements Runnable {
    @picocli.CommandLine.Option(names = "--verbose", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Show llama.cpp's own log lines and strata's details.")
    void verbose(boolean on) {
        Logging.configure(on);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; errors the user can fix are one line on stderr. */
    public static int run(String... args) {
        Logging.configure(false);
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        OptionValues.install(cli);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (Boolean.getBoolean("strata.debug")) e.printStackTrace();
            cmd.getErr().println("strata " + cmd.getCommandName() + ": " + Errors.describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    /** strata's own version (from the build) and the llama.cpp release it binds. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"strata " + version(), "llama.cpp " + dev.strata.bindings.Llama.RELEASE};
        }
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
