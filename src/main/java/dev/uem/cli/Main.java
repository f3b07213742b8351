package dev.uem.cli;

import dev.uem.io.StopSignal;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code uem.jar}: one command with a subcommand per job. */
@Command(name = "uem", mixinStandardHelpOptions = true, version = "uem 0.1.0",
        description = {
                "uem: User Embedding Model for personalised language prompting (arXiv 2401.04858),",
                "a T5 encoder-decoder on libtorch, driven from Java.",
                "",
                "Run 'uem help COMMAND' or 'uem COMMAND --help' for a command's options."},
        subcommands = {CommandLine.HelpCommand.class, T5ForwardCommand.class, T5InitCommand.class,
                TokenizeCommand.class, BenchCommand.class,
                PrepareCommand.class, LabelsCommand.class, MetricsCommand.class, DescriptionsCommand.class,
                TrainCommand.class, SweepCommand.class, EvaluateCommand.class, PredictCommand.class, ExportUserEmbeddingsCommand.class, KernelsCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        StopSignal.install(); // Ctrl-C and SIGTERM stop at the next safe point, never inside libtorch
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);  // --kernels native, --output-vocab task: the help shows lower case
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

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
