package dev.uem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The help a user reads: commands a user runs first, developer tools after; one line an option; no project history. */
class HelpTextTest {
    private static final Pattern HISTORY =
            Pattern.compile("(?i)session|issue ?#|\\bbefore the\\b|\\bruns before\\b|round of");
    private static final int OPTION_HELP_MAX = 160;

    @Test
    void userCommandsComeFirstThenDeveloperTools() {
        String help = Main.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        List<String> order = List.of(
                "train",
                "predict",
                "evaluate",
                "sweep",
                "prepare",
                "export-user-embeddings",
                "Developer tools:",
                "kernels",
                "bench",
                "t5-forward",
                "t5-init",
                "tokenize");
        int last = -1;
        for (String name : order) {
            int at = help.indexOf(name.endsWith(":") ? name : "\n  " + name + " ");
            assertTrue(at > last, name + " out of order in:\n" + help);
            last = at;
        }
        for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
            String[] header = sub.getCommandSpec().usageMessage().header();
            assertEquals(1, header.length, sub.getCommandName() + ": one header line");
            assertTrue(
                    header[0].endsWith(".") && header[0].length() <= 95,
                    sub.getCommandName() + ": one short sentence: " + header[0]);
        }
    }

    @Test
    void everyOptionHasOneShortLineAndNoHistory() {
        List<String> bad = new ArrayList<>();
        for (CommandSpec spec : allCommands(Main.commandLine().getCommandSpec())) {
            for (String d : spec.usageMessage().description())
                if (HISTORY.matcher(d).find()) bad.add(spec.qualifiedName() + ": " + d);
            for (OptionSpec o : spec.options()) {
                String d = String.join(" ", o.description());
                if (d.length() > OPTION_HELP_MAX)
                    bad.add(spec.qualifiedName() + " " + o.longestName() + ": " + d.length() + " characters");
                if (HISTORY.matcher(d).find()) bad.add(spec.qualifiedName() + " " + o.longestName() + ": " + d);
            }
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void aBadOptionIsOneLineNamingIt() {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(2, cl.execute("train", "--steps", "abc"));
        assertEquals(
                "uem train: Invalid value for option '--steps': 'abc' is not an int (see 'uem train --help')",
                err.toString().strip());
    }

    private static List<CommandSpec> allCommands(CommandSpec root) {
        List<CommandSpec> out = new ArrayList<>(List.of(root));
        for (CommandLine sub : root.subcommands().values()) out.addAll(allCommands(sub.getCommandSpec()));
        return out;
    }
}
