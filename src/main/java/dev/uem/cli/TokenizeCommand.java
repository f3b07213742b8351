package dev.uem.cli;

import dev.uem.text.T5Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code uem tokenize}: show the T5 ids of some text (and their decoding). */
@Command(
        name = "tokenize",
        header = "Print the T5 token ids of each text and their decoding.",
        mixinStandardHelpOptions = true,
        description = "Print the T5 token ids of each TEXT (with </s>), and the ids decoded back to text.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "Use DIR/tokenizer.json if present (default: the bundled T5 tokenizer).")
    Path model;

    @Parameters(arity = "1..*", paramLabel = "TEXT")
    List<String> texts;

    @Override
    public Integer call() {
        try (T5Tokenizer tok = T5Tokenizer.forCheckpoint(model)) {
            for (String t : texts) {
                long[] ids = tok.encode(t);
                System.out.println(Arrays.toString(ids) + "\t" + tok.decode(ids));
            }
        }
        return 0;
    }
}
