package dev.strata.cli;

import dev.strata.gguf.GgufFile;
import dev.strata.gguf.ModelSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `strata info MODEL.gguf`: what a user checks first, read and validated by strata's own GGUF reader. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a GGUF model's architecture, shape, tokenizer and tensor types.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL.gguf", description = "the model file")
    Path model;

    @Override
    public Integer call() throws Exception {
        try (GgufFile gguf = GgufFile.open(model)) {
            System.out.print(ModelSummary.of(gguf).format());
        }
        return 0;
    }
}
