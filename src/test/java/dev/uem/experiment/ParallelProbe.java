package dev.uem.experiment;

import dev.uem.io.StopSignal;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.PromptAssembly;
import dev.uem.testing.FakeEncoder;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.DataParallel;
import dev.uem.train.WorkerEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A worker process for {@link DataParallelTest}: a small UEM run (fake sentence encoder, tiny LM, dropout 0) as one rank
 * of the group its environment describes ({@code WORLD_SIZE}, {@code RANK}, ... as torchrun sets them).
 * Arguments: run folder, LM folder, cache folder, per-rank batch size, joint steps, "resume" or "fresh".
 */
public final class ParallelProbe {
    public static void main(String[] args) throws Exception {
        StopSignal.install();
        TorchRuntime.init();
        int batch = Integer.parseInt(args[3]), steps = Integer.parseInt(args[4]);
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
                new TrainConfig(new Schedule(steps, 2, 1, steps, 2), batch, 1, 5e-3, 5e-3, false, 1.0, null),
                new EvalConfig(6, 1.0));
        WorkerEnv env = WorkerEnv.from(System.getenv());
        try (DataParallel group = DataParallel.join(env, Duration.ofSeconds(60));
                Experiment ex =
                        Experiment.open(c, () -> new FakeEncoder("fake", true)).parallel(group)) {
            System.out.println("rank " + group.rank() + " joined");
            ex.run(Arm.uem(3), Path.of(args[0]), args[5].equals("resume"), false);
        } catch (StopSignal.StopRequested e) {
            System.err.println("uem train: " + e.getMessage());
            System.exit(e.exitCode);
        } catch (RuntimeException e) {
            System.err.println("uem train: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
