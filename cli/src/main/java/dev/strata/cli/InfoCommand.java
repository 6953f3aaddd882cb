package dev.strata.cli;

import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import dev.strata.gguf.Preflight;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `strata info MODEL.gguf`: what a user checks first, read and validated by strata's own GGUF reader. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Print a GGUF model's architecture, shape, tokenizer and tensor types, and any problem that",
                "would stop extraction (then the exit status is 1)."})
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL.gguf", description = "the model file")
    Path model;

    @Override
    public Integer call() throws Exception {
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
