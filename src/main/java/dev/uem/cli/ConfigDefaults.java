package dev.uem.cli;

import dev.uem.experiment.RunConfig;
import dev.uem.experiment.Schedule;
import dev.uem.experiment.TrainConfig;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The run options' defaults for {@code train} and {@code sweep}, taken from {@link RunConfig#defaults()}, so the
 * command line, {@code --help} and the code's own default run cannot drift apart.
 */
final class ConfigDefaults implements IDefaultValueProvider {
    private static final Set<String> COMMANDS = Set.of("train", "sweep");
    private final Map<String, String> values;

    /** The defaults of {@link RunConfig#defaults()}. */
    ConfigDefaults() {
        this(RunConfig.defaults());
    }

    /** The defaults of {@code base} (a preset's run). */
    ConfigDefaults(RunConfig base) {
        this.values = values(base);
    }

    /**
     * The defaults for a command line: those of the preset that {@code --preset NAME} (or {@code --preset=NAME}) names
     * in {@code args}, read before parsing so that every other option still overrides it; the plain defaults without.
     */
    static ConfigDefaults forArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--preset=")) return new ConfigDefaults(presetOrDefaults(args[i].substring(9)));
            if (args[i].equals("--preset") && i + 1 < args.length)
                return new ConfigDefaults(presetOrDefaults(args[i + 1]));
        }
        return new ConfigDefaults();
    }

    /** An unknown name keeps the plain defaults here; the option's own check names it after parsing. */
    private static RunConfig presetOrDefaults(String name) {
        return RunConfig.PRESETS.contains(name) ? RunConfig.preset(name) : RunConfig.defaults();
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o)
                || arg.command() == null
                || !COMMANDS.contains(arg.command().name())) return null;
        return values.get(o.longestName());
    }

    private static Map<String, String> values(RunConfig c) {
        TrainConfig t = c.train();
        Schedule s = t.schedule();
        return Map.ofEntries(
                Map.entry("--lm", c.model().lm()),
                Map.entry("--uem", c.model().uem()),
                Map.entry("--decoder-head", String.valueOf(c.model().decoderHead())),
                Map.entry("--output-vocab", lower(c.model().outputVocabulary().name())),
                Map.entry("--text-budget", String.valueOf(c.model().textBudget())),
                Map.entry("--steps", String.valueOf(s.steps())),
                Map.entry("--uem-warmup", String.valueOf(s.uemWarmup())),
                Map.entry("--lr-warmup", String.valueOf(s.lrWarmup())),
                Map.entry("--eval-every", String.valueOf(s.evalEvery())),
                Map.entry("--checkpoint-every", String.valueOf(s.checkpointEvery())),
                Map.entry("--batch-size", String.valueOf(t.batchSize())),
                Map.entry("--accumulation", String.valueOf(t.accumulation())),
                Map.entry("--lr-user", String.valueOf(t.lrUser())),
                Map.entry("--lr-lm", String.valueOf(t.lrLm())),
                Map.entry("--preference-weight", String.valueOf(t.preferenceWeight())),
                Map.entry("--precision", lower(t.precision().name())),
                Map.entry("--train-windows", String.valueOf(c.data().trainWindows())),
                Map.entry("--max-new-tokens", String.valueOf(c.eval().maxNewTokens())),
                Map.entry("--head-fusion", String.valueOf(c.eval().headFusion())),
                Map.entry("--eval-users", String.valueOf(c.eval().evalUsers())),
                Map.entry("--val-users", String.valueOf(c.eval().valUsers())),
                Map.entry("--seed", String.valueOf(c.seed())));
    }

    private static String lower(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
