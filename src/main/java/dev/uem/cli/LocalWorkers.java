package dev.uem.cli;

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
 * {@code torchrun} would give them ({@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK}, {@code MASTER_ADDR=127.0.0.1},
 * a free {@code MASTER_PORT}), forwards their output with a {@code [rank i]} prefix, and when one fails stops the
 * others and fails the run naming it. Each worker gets an equal share of the cores for OpenBLAS unless
 * {@code OPENBLAS_NUM_THREADS} is set.
 */
final class LocalWorkers {
    private LocalWorkers() {}

    static int run(int n, List<String> trainArgs, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent")).toList();
        int blasThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / n);
        List<Process> workers = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(jvm);
            if (jvm.stream().noneMatch(a -> a.startsWith("-XX:ErrorFile")))  // a worker's crash report never lands in the working folder
                cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "uem-hs_err_pid%p.log"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(trainArgs);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("WORLD_SIZE", String.valueOf(n));
            env.put("RANK", String.valueOf(rank));
            env.put("LOCAL_RANK", String.valueOf(rank));
            env.put("MASTER_ADDR", "127.0.0.1");
            env.put("MASTER_PORT", String.valueOf(port));
            env.putIfAbsent("OPENBLAS_NUM_THREADS", String.valueOf(blasThreads));
            Process p = pb.start();
            workers.add(p);
            String prefix = "[rank " + rank + "] ";
            Thread pump = new Thread(() -> forward(p.getInputStream(), prefix, out), "rank-" + rank + "-output");
            pump.setDaemon(true);
            pump.start();
            pumps.add(pump);
        }
        err.printf("uem train: started %d workers (MASTER_ADDR=127.0.0.1 MASTER_PORT=%d)%n", n, port);
        // the run fails as soon as one worker does: stop the others, report the first failure
        int failed = -1, code = 0;
        boolean forwarded = false;
        while (failed < 0) {
            if (!forwarded && dev.uem.io.StopSignal.requested()) {  // Ctrl-C or SIGTERM to the launcher: every worker stops cleanly
                for (Process p : workers) p.toHandle().destroy();  // SIGTERM; Process.destroy would also close its output pipe
                forwarded = true;
            }
            boolean alive = false;
            for (int r = 0; r < n && failed < 0; r++) {
                Process p = workers.get(r);
                alive |= p.isAlive();
                // 130/143: the worker stopped cleanly on Ctrl-C/SIGTERM; the others are stopping at the same step, so let them finish
                if (!p.isAlive() && p.exitValue() != 0 && p.exitValue() != 130 && p.exitValue() != 143) {
                    failed = r;
                    code = p.exitValue();
                }
            }
            if (!alive) break;
            if (failed < 0) workers.get(0).waitFor(200, TimeUnit.MILLISECONDS);
        }
        if (failed >= 0) {
            for (Process p : workers) if (p.isAlive()) p.toHandle().destroy();
            for (Process p : workers) if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        for (Process p : workers) p.waitFor();
        for (Thread t : pumps) t.join(5000);
        if (failed >= 0) {
            err.printf("uem train: rank %d exited with %d%s; the other ranks were stopped%n", failed, code, code == 137 ? " (killed)" : "");
            return 1;
        }
        for (Process p : workers) if (p.exitValue() != 0) return p.exitValue();  // a clean stop (130/143)
        return 0;
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
