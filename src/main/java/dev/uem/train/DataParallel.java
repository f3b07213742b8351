package dev.uem.train;

import dev.uem.torch.ComputeDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * Data parallelism on PyTorch's c10d, as the JavaCPP preset ships it: a {@link TCPStore} on rank 0's
 * {@code MASTER_ADDR:MASTER_PORT} for the rendezvous, and for the collectives a {@link ProcessGroupGloo} when the model
 * is on the CPU or a {@code ProcessGroupNCCL} when it is on a CUDA device (each rank on {@code cuda:LOCAL_RANK}; built,
 * not yet run on a GPU). Every rank runs the same training loop on its slice of each
 * global batch; {@link #averageGradients} makes the gradients equal on every rank before the optimiser step, so the
 * parameters never diverge.
 *
 * <p>When a rank dies (kill -9), the others' next collective fails at once (Gloo sees the closed connection) or after
 * {@code timeout}; {@link LostRank} then names the ranks that did not report back through the store.
 */
public final class DataParallel implements AutoCloseable {
    /** A collective failed because another rank is gone. */
    public static final class LostRank extends RuntimeException {
        LostRank(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Gradients are all-reduced in buckets of about this many floats (one collective per bucket, all in flight
     * together).
     */
    static final long BUCKET_FLOATS = 4L << 20;

    private final WorkerEnv env;
    private final TCPStore store;
    private final Backend group;
    /** Where the collectives' own small tensors (sums) must live: the CPU for Gloo, the rank's CUDA device for NCCL. */
    private final ComputeDevice device;

    private double allReduceSeconds;

    private DataParallel(WorkerEnv env, TCPStore store, Backend group, ComputeDevice device) {
        this.env = env;
        this.store = store;
        this.group = group;
        this.device = device;
    }

    /** The single-process case: every collective is the identity. */
    public static DataParallel single() {
        return new DataParallel(WorkerEnv.SINGLE, null, null, ComputeDevice.CPU);
    }

    /** Joins the group of {@code env} with Gloo (CPU tensors). */
    public static DataParallel join(WorkerEnv env, Duration timeout) {
        return join(env, timeout, ComputeDevice.CPU);
    }

    /**
     * Joins the group of {@code env} (blocks until every rank has joined, or fails after {@code timeout}): Gloo when
     * the model is on the CPU, NCCL when it is on {@code device}, a CUDA device.
     */
    public static DataParallel join(WorkerEnv env, Duration timeout, ComputeDevice device) {
        if (!env.distributed()) return single();
        Milliseconds ms = new Milliseconds(timeout.toMillis());
        ms.retainReference();
        TCPStoreOptions so = new TCPStoreOptions();
        so.port((short) env.masterPort())
                .isServer(env.leader())
                .waitWorkers(false)
                .timeout(ms);
        so.numWorkers(new SizeTPointer(1).put(env.worldSize()));
        TCPStore store;
        try {
            store = new TCPStore(env.masterAddr(), so);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "rank " + env.rank() + ": cannot reach the rendezvous store at " + env.masterAddr() + ":"
                            + env.masterPort() + " (MASTER_ADDR:MASTER_PORT, rank 0 listens there): " + firstLine(e),
                    e);
        }
        Backend group;
        if (device.isCuda()) {
            group = new org.bytedeco.pytorch.nccl.ProcessGroupNCCL(store, env.rank(), env.worldSize());
        } else {
            ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(ms);
            opts.devices()
                    .push_back(ProcessGroupGloo.createDeviceForHostname(
                            env.masterAddr().equals("127.0.0.1")
                                            || env.masterAddr().equals("localhost")
                                    ? "127.0.0.1"
                                    : hostName()));
            group = new ProcessGroupGloo(store, env.rank(), env.worldSize(), opts);
        }
        group.retainReference();
        store.retainReference();
        return new DataParallel(env, store, group, device);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    public int rank() {
        return env.rank();
    }

    public int worldSize() {
        return env.worldSize();
    }

    /** Rank 0, the writer of the run's files. */
    public boolean leader() {
        return env.leader();
    }

    /** Seconds spent in gradient all-reduces so far (the cost of parallelism, reported per step by the trainer). */
    public double allReduceSeconds() {
        return allReduceSeconds;
    }

    /**
     * This rank's contiguous share of {@code items} (all of them in one process); the shares in rank order are the
     * list.
     */
    public <T> List<T> shard(List<T> items) {
        int n = items.size(), world = env.worldSize(), rank = env.rank();
        return items.subList(n * rank / world, n * (rank + 1) / world);
    }

    /** Element-wise sums over the ranks of a few numbers (losses, token counts). */
    public double[] sum(double... values) {
        if (group == null) return values.clone();
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            Tensor t = device.move(Tensor.create(values.clone(), values.length));
            run(group.allreduce(new TensorVector(t)), "summing values");
            double[] out = new double[values.length];
            t.cpu().data_ptr_double().get(out);
            return out;
        }
    }

    /**
     * Replaces every defined gradient of {@code params} by its mean over the ranks: gradients are flattened into
     * buckets of about {@link #BUCKET_FLOATS} floats, every bucket's all-reduce is started, then each is awaited and
     * copied back.
     */
    public void averageGradients(List<Tensor> params) {
        if (group == null) return;
        long t0 = System.nanoTime();
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            List<List<Tensor>> buckets = new ArrayList<>();
            List<Tensor> current = new ArrayList<>();
            long size = 0;
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (!grad.defined()) continue; // the same on every rank: all run the same code on the same model
                current.add(grad);
                size += grad.numel();
                if (size >= BUCKET_FLOATS) {
                    buckets.add(current);
                    current = new ArrayList<>();
                    size = 0;
                }
            }
            if (!current.isEmpty()) buckets.add(current);
            List<Tensor> flats = new ArrayList<>();
            List<Work> works = new ArrayList<>();
            for (List<Tensor> b : buckets) {
                TensorVector parts = new TensorVector();
                for (Tensor grad : b) parts.push_back(grad.reshape(-1));
                Tensor flat = torch.cat(parts);
                flats.add(flat);
                works.add(group.allreduce(new TensorVector(flat)));
            }
            org.bytedeco.pytorch.Scalar inverse = new org.bytedeco.pytorch.Scalar(1.0 / env.worldSize());
            for (int i = 0; i < buckets.size(); i++) {
                run(works.get(i), "averaging gradients");
                Tensor flat = flats.get(i).mul_(inverse);
                long offset = 0;
                for (Tensor grad : buckets.get(i)) {
                    long n = grad.numel();
                    grad.copy_(flat.narrow(0, offset, n).view(grad.sizes()));
                    offset += n;
                }
            }
        }
        allReduceSeconds += (System.nanoTime() - t0) / 1e9;
    }

    /** Copies rank 0's values of {@code tensors} into every rank's (the model as rank 0 built or restored it). */
    public void broadcastFromLeader(List<Tensor> tensors) {
        if (group == null) return;
        try (PointerScope scope = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            for (Tensor t : tensors) {
                Tensor c = t.detach().contiguous();
                run(group.broadcast(new TensorVector(c)), "broadcasting rank 0's parameters");
                if (!c.is_same(t)) t.detach().copy_(c);
            }
        }
    }

    /**
     * Gathers one text from every rank on rank 0 through the rendezvous store: rank 0 gets them in rank order, the
     * others an empty list. {@code key} must be new for each gathering.
     */
    public List<String> gather(String key, String text) {
        if (store == null) return List.of(text);
        try {
            store.set("uem/gather/" + key + "/" + env.rank(), text);
            if (!leader()) return List.of();
            List<String> all = new ArrayList<>();
            // waits for the key
            for (int r = 0; r < env.worldSize(); r++) all.add(store.get_to_str("uem/gather/" + key + "/" + r));
            return all;
        } catch (RuntimeException e) {
            throw lost("gathering " + key, e);
        }
    }

    /** Waits until every rank gets here. */
    public void barrier() {
        if (group == null) return;
        try (PointerScope scope = new PointerScope()) {
            run(group.barrier(), "waiting for the other ranks");
        }
    }

    private void run(Work w, String what) {
        try {
            w._wait();
        } catch (RuntimeException e) {
            throw lost(what, e);
        }
    }

    /**
     * After a failed collective: this rank reports itself alive in the store and, after a grace period, names the ranks
     * that did not. When the store itself is gone, rank 0 (which hosts it) is the lost one.
     */
    private LostRank lost(String what, RuntimeException cause) {
        String prefix = "rank " + env.rank() + ": the data-parallel group failed while " + what + ": ";
        try {
            store.set("uem/alive/" + env.rank(), "1");
            Thread.sleep(3000);
            List<Integer> missing = new ArrayList<>();
            for (int r = 0; r < env.worldSize(); r++) {
                StringVector key = new StringVector(1);
                key.put(0, "uem/alive/" + r);
                if (!store.check(key)) missing.add(r);
            }
            return new LostRank(
                    prefix
                            + (missing.isEmpty()
                                    ? "every rank is still there (" + firstLine(cause) + ")"
                                    : "lost rank" + (missing.size() > 1 ? "s " : " ")
                                            + missing.toString().replaceAll("[\\[\\]]", "") + " (" + firstLine(cause)
                                            + ")"),
                    cause);
        } catch (RuntimeException | InterruptedException storeGone) {
            return new LostRank(
                    prefix + "lost rank 0 (its rendezvous store at " + env.masterAddr() + ":" + env.masterPort()
                            + " is gone; " + firstLine(cause) + ")",
                    cause);
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int slash = m.lastIndexOf("] ");
        return (slash >= 0 ? m.substring(slash + 2) : m).lines().findFirst().orElse("");
    }

    @Override
    public void close() {
        if (group != null) group.releaseReference();
        if (store != null) store.releaseReference();
    }
}
