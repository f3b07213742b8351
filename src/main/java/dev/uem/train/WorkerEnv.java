package dev.uem.train;

import java.util.Map;

/**
 * Where this process sits in a data-parallel run, read from the environment exactly as PyTorch's launcher
 * ({@code torchrun}) sets it: {@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}. So {@code uem train --nproc N}, torchrun-style scripts, Slurm ({@code srun} with those
 * variables exported) or a Kubernetes job can all start {@code java -jar uem.jar train ...} as workers.
 * No {@code WORLD_SIZE} (or 1) is a single-process run.
 *
 * @param worldSize  number of processes
 * @param rank       this process, {@code 0 <= rank < worldSize}; rank 0 writes the run's files
 * @param localRank  this process on its host (its CUDA device with {@code --device auto})
 * @param masterAddr host of rank 0, where the rendezvous store listens
 * @param masterPort its port
 */
public record WorkerEnv(int worldSize, int rank, int localRank, String masterAddr, int masterPort) {
    public static final WorkerEnv SINGLE = new WorkerEnv(1, 0, 0, "127.0.0.1", 0);

    public WorkerEnv {
        if (worldSize < 1) throw new IllegalArgumentException("WORLD_SIZE must be >= 1, found " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new IllegalArgumentException(
                    "RANK must be in [0, WORLD_SIZE) = [0, " + worldSize + "), found " + rank);
        if (localRank < 0) throw new IllegalArgumentException("LOCAL_RANK must be >= 0, found " + localRank);
        if (worldSize > 1 && (masterPort < 1 || masterPort > 65535))
            throw new IllegalArgumentException("MASTER_PORT must be a TCP port (1-65535), found " + masterPort);
    }

    /**
     * The environment's worker settings; every problem is one line naming the variable, the value and what is expected.
     */
    public static WorkerEnv from(Map<String, String> env) {
        String world = env.get("WORLD_SIZE");
        if (world == null || world.isBlank()) return SINGLE;
        int w = integer(env, "WORLD_SIZE");
        if (w == 1) return SINGLE;
        for (String required : new String[] {"RANK", "MASTER_ADDR", "MASTER_PORT"})
            if (env.get(required) == null || env.get(required).isBlank())
                throw new IllegalArgumentException(
                        "distributed run (WORLD_SIZE=" + w + "): " + required + " is not set; a worker needs "
                                + "WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT (and LOCAL_RANK), as torchrun "
                                + "sets them, or start the workers with uem train --nproc N");
        int rank = integer(env, "RANK");
        int local =
                env.get("LOCAL_RANK") == null || env.get("LOCAL_RANK").isBlank() ? rank : integer(env, "LOCAL_RANK");
        return new WorkerEnv(w, rank, local, env.get("MASTER_ADDR").trim(), integer(env, "MASTER_PORT"));
    }

    private static int integer(Map<String, String> env, String key) {
        String v = env.get(key).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, found '" + v + "'");
        }
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    /** Rank 0: the one process that writes checkpoints, metrics and results. */
    public boolean leader() {
        return rank == 0;
    }
}
