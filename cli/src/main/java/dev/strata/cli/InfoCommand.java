package dev.strata.cli;

import dev.strata.extract.LlamaSystem;
import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import dev.strata.gguf.Preflight;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `strata info MODEL.gguf`: what a user checks first, read and validated by strata's own GGUF reader. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Print a GGUF model's architecture, shape, tokenizer and tensor types, and any problem that",
                "would stop extraction (then the exit status is 1); with --system, what llama.cpp runs on here."})
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL.gguf", arity = "0..1", description = "the model file")
    Path model;

    @Option(names = "--system", description = {"Load llama.cpp and print its devices and the CPU backend variant it",
            "chose for this CPU, with that variant's features (extraction records both)."})
    boolean system;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (model == null && !system) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'MODEL.gguf' (or --system)");
        }
        if (system) {
            System.out.print(LlamaSystem.load().format());
        }
        if (model == null) {
            return 0;
        }
        try (GgufFile gguf = GgufFile.open(model)) {
            System.out.print(ModelSummary.of(gguf).format());
            List<Preflight.Problem> problems = Preflight.check(gguf);
            if (problems.isEmpty()) {
                return 0;
            }
            System.out.println("problems (llama.cpp would abort or compute NaN; extract refuses this file):");
            problems.forEach(problem -> System.out.println("  " + problem));
            return 1;
        }
    }
}
