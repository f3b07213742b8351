package dev.uem.experiment;

import dev.uem.io.StopSignal;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.testing.FakeEncoder;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.List;

/**
 * A child process for {@link StopSignalTest}: a small UEM run (fake sentence encoder, tiny LM) that handles Ctrl-C and
 * SIGTERM the way {@code uem train} does: {@link StopSignal} installed first, a stop ends with its exit code.
 * Arguments: run folder, LM folder, cache folder, "resume" or "fresh".
 */
public final class StopProbe {
    public static void main(String[] args) throws Exception {
        StopSignal.install();
        TorchRuntime.init();
        // the default head, decoder head and fusion weight, the native kernels; 10 warm-up steps, then 60 joint steps
        RunConfig c = new RunConfig(
                0,
                new DataConfig("data/movielens/ml-latest-small", List.of(), false, args[2], 2),
                new ModelConfig(
                        args[1],
                        "mini",
                        PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                        true,
                        ModelConfig.OutputVocabulary.TASK,
                        0.0,
                        PromptAssembly.Kernels.NATIVE,
                        512),
                new TrainConfig(new Schedule(60, 10, 1, 20, 7), 4, 1, 5e-3, 5e-3, false, 1.0, null),
                new EvalConfig(6, 8.0));
        try (Experiment ex = Experiment.open(c, () -> new FakeEncoder("fake", true))) {
            ex.run(Arm.uem(3), Path.of(args[0]), args[3].equals("resume"), false);
        } catch (StopSignal.StopRequested e) {
            System.err.println("uem train: " + e.getMessage());
            System.exit(e.exitCode);
        }
        System.exit(0);
    }
}
