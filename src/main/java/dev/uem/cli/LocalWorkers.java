package dev.uem.cli;

import dev.uem.io.StopSignal;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code uem train --nproc N}: starts N workers of the same command on this host, with the environment
 * {@code torchrun} would give them ({@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK}, {@code
 * MASTER_ADDR=127.0.0.1},
 * a free {@code MASTER_PORT}), forwards their output with a {@code [rank i]} prefix, and when one fails stops the
 * others and fails the run naming it. Each worker gets an equal share of the cores for OpenBLAS unless
 * {@code OPENBLAS_NUM_THREADS} is set.
 */
final class LocalWorkers {
    private LocalWorkers() {}

    /** The workers of one run and the threads copying their output. */
    private record Workers(List<Process> processes, List<Thread> pumps) {}

    static int run(int n, List<String> trainArgs, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Workers w = start(n, port, trainArgs, out);
        err.printf("uem train: started %d workers (MASTER_ADDR=127.0.0.1 MASTER_PORT=%d)%n", n, port);
        int failed = watch(w.processes);
        if (failed >= 0) {
            for (Process p : w.processes) if (p.isAlive()) p.toHandle().destroy();
            for (Process p : w.processes) if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        for (Process p : w.processes) p.waitFor();
        for (Thread t : w.pumps) t.join(5000);
        if (failed >= 0) {
            int code = w.processes.get(failed).exitValue();
            err.printf(
                    "uem train: rank %d exited with %d%s; the other ranks were stopped%n",
                    failed, code, code == 137 ? " (killed)" : "");
            return 1;
        }
        for (Process p : w.processes) if (p.exitValue() != 0) return p.exitValue(); // a clean stop (130/143)
        return 0;
    }

    /** Starts rank 0 to n-1 with torchrun's variables, each worker's output copied to {@code out} with its rank. */
    private static Workers start(int n, int port, List<String> trainArgs, PrintStream out) throws IOException {
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent"))
                .toList();
        int blasThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / n);
        Workers w = new Workers(new ArrayList<>(), new ArrayList<>());
        for (int rank = 0; rank < n; rank++) {
            ProcessBuilder pb = new ProcessBuilder(command(jvm, trainArgs)).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.putAll(Map.of(
                    "WORLD_SIZE",
                    String.valueOf(n),
                    "RANK",
                    String.valueOf(rank),
                    "LOCAL_RANK",
                    String.valueOf(rank),
                    "MASTER_ADDR",
                    "127.0.0.1",
                    "MASTER_PORT",
                    String.valueOf(port)));
            env.putIfAbsent("OPENBLAS_NUM_THREADS", String.valueOf(blasThreads));
            Process p = pb.start();
            w.processes.add(p);
            String prefix = "[rank " + rank + "] ";
            Thread pump = new Thread(() -> forward(p.getInputStream(), prefix, out), "rank-" + rank + "-output");
            pump.setDaemon(true);
            pump.start();
            w.pumps.add(pump);
        }
        return w;
    }

    /** This JVM's java, options and class path, running {@code uem} with {@code trainArgs}. */
    private static List<String> command(List<String> jvm, List<String> trainArgs) {
        List<String> cmd =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(jvm);
        // a worker's crash report stays out of the working folder
        if (jvm.stream().noneMatch(a -> a.startsWith("-XX:ErrorFile")))
            cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "uem-hs_err_pid%p.log"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(trainArgs);
        return cmd;
    }

    /**
     * Waits until every worker has ended or one failed; returns the failed rank, or -1. A Ctrl-C or SIGTERM to the
     * launcher is passed on once, so every worker stops cleanly at the same step.
     */
    private static int watch(List<Process> workers) throws InterruptedException {
        boolean forwarded = false;
        while (true) {
            if (!forwarded && StopSignal.requested()) {
                // SIGTERM; Process.destroy would also close its output pipe
                for (Process p : workers) p.toHandle().destroy();
                forwarded = true;
            }
            boolean alive = false;
            for (int r = 0; r < workers.size(); r++) {
                Process p = workers.get(r);
                alive |= p.isAlive();
                // 130/143: a clean stop on Ctrl-C/SIGTERM; the others are stopping at the same step, so let them finish
                if (!p.isAlive() && p.exitValue() != 0 && p.exitValue() != 130 && p.exitValue() != 143) return r;
            }
            if (!alive) return -1;
            workers.get(0).waitFor(200, TimeUnit.MILLISECONDS);
        }
    }

    /** Copies a worker's output, starting every line (and every progress-bar redraw) with its rank. */
    private static void forward(InputStream in, String prefix, PrintStream out) {
        try (java.io.Reader reader = new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            boolean lineStart = true;
            int n;
            while ((n = reader.read(buf)) > 0) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    char c = buf[i];
                    if (lineStart && c != '\r' && c != '\n') {
                        sb.append(prefix);
                        lineStart = false;
                    }
                    sb.append(c);
                    if (c == '\n' || c == '\r') lineStart = true;
                }
                synchronized (out) {
                    out.print(sb);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the worker is gone; its exit code tells the rest
        }
    }
}
