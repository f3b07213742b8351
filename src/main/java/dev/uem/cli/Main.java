package dev.uem.cli;

import dev.uem.io.Log;
import dev.uem.io.StopSignal;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code uem.jar}: one command with a subcommand per job. */
@Command(
        name = "uem",
        mixinStandardHelpOptions = true,
        version = "uem 0.1.0",
        description = {
            "User Embedding Model for personalised language prompting (arXiv 2401.04858): a T5 encoder-decoder "
                    + "reading one soft token per rated movie, on libtorch, driven from Java.",
            "",
            "Run 'uem COMMAND --help' for a command's options."
        },
        subcommands = {
            TrainCommand.class,
            PredictCommand.class,
            ServeCommand.class,
            EvaluateCommand.class,
            SweepCommand.class,
            PrepareCommand.class,
            ExportUserEmbeddingsCommand.class,
            LabelsCommand.class,
            MetricsCommand.class,
            DescriptionsCommand.class,
            KernelsCommand.class,
            BenchCommand.class,
            T5ForwardCommand.class,
            T5InitCommand.class,
            TokenizeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(
            names = {"-q", "--quiet"},
            scope = CommandLine.ScopeType.INHERIT,
            description = "Say only warnings and errors; no progress bars.")
    void quiet(boolean on) {
        if (on) Log.configure(Log.Verbosity.QUIET);
    }

    @CommandLine.Option(
            names = "--verbose",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Also say debug messages.")
    void verbose(boolean on) {
        if (on) Log.configure(Log.Verbosity.VERBOSE);
    }

    public static void main(String[] args) {
        Log.configure(Log.Verbosity.NORMAL); // before any library makes its logger
        StopSignal.install(); // Ctrl-C and SIGTERM stop at the next safe point, never inside libtorch
        System.exit(commandLine(args).execute(args));
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /** The configured command line for {@code args}: its defaults are those of the {@code --preset} they name. */
    public static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        // --kernels native, --output-vocab task: the help shows lower case
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(
                ConfigDefaults.forArgs(args)); // train's and sweep's: RunConfig.defaults() or a preset
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        cl.setParameterExceptionHandler((ex, badArgs) -> { // a bad option is one line, not the whole usage
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof StopSignal.StopRequested stop) {
                cmd.getErr().println("uem " + cmd.getCommandName() + ": " + stop.getMessage());
                return stop.exitCode;
            }
            // user errors (bad file, bad key) get one clear line, not a stack trace
            cmd.getErr().println("uem " + cmd.getCommandName() + ": " + ex.getMessage());
            if (System.getenv("UEM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    /** The commands a user runs first, then the developer tools, each with its one-sentence header. */
    private static String commandList(CommandLine.Help help) {
        Map<String, CommandLine.Help> all = help.subcommands();
        StringBuilder out = new StringBuilder();
        all.forEach((name, sub) -> {
            if (name.equals(DEVELOPER_TOOLS_FROM)) out.append("%nDeveloper tools:%n".formatted());
            String header = String.join(" ", sub.commandSpec().usageMessage().header());
            out.append("  %-24s %s%n".formatted(name, header));
        });
        return out.toString();
    }

    /** The first developer tool in the subcommand list above. */
    private static final String DEVELOPER_TOOLS_FROM = "kernels";

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
