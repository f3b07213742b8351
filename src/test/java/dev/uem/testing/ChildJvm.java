package dev.uem.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A JVM started by a test: output to a log file, a crash report ({@code -XX:ErrorFile}) kept in the test's folder,
 * and {@link #close()} kills it and every process it started, so a failing assertion never leaves children running.
 * Started with the settings users get: no {@code OMP_WAIT_POLICY}, so libtorch runs one intra-op thread.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path crashDir;

    private ChildJvm(Process process, Path log, Path crashDir) {
        this.process = process;
        this.log = log;
        this.crashDir = crashDir;
    }

    /** The {@code java} of this JVM with {@code jvmArgs}, then {@code args}, run in {@code workDir}. */
    public static ChildJvm start(
            Path workDir, Path log, List<String> jvmArgs, List<String> args, Map<String, String> env)
            throws IOException {
        Path crashDir = crashDir(log);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:ErrorFile=" + crashDir.resolve("hs_err_pid%p.log"));
        cmd.addAll(jvmArgs);
        cmd.addAll(args);
        return launch(workDir, log, cmd, env, crashDir);
    }

    /**
     * Any command that starts a JVM (e.g. {@code bin/uem}); its {@code TMPDIR} is the crash-report folder, where
     * {@code bin/uem} puts a JVM crash report.
     */
    public static ChildJvm command(Path workDir, Path log, List<String> cmd, Map<String, String> env)
            throws IOException {
        Path crashDir = crashDir(log);
        Map<String, String> withTmp = new java.util.HashMap<>(Map.of("TMPDIR", crashDir.toString()));
        withTmp.putAll(env);
        return launch(workDir, log, cmd, withTmp, crashDir);
    }

    /** The folder beside {@code log} that crash reports go to, made if missing. */
    private static Path crashDir(Path log) throws IOException {
        Path logs = Files.createDirectories(log.toAbsolutePath().getParent());
        return Files.createDirectories(logs.resolve("crash-reports"));
    }

    /** Starts {@code cmd} in {@code workDir} with the users' thread settings, its output going to {@code log}. */
    private static ChildJvm launch(Path workDir, Path log, List<String> cmd, Map<String, String> env, Path crashDir)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("OMP_WAIT_POLICY");
        pb.environment().putAll(env);
        return new ChildJvm(pb.start(), log, crashDir);
    }

    /** Runs {@code java -cp <this class path> mainClass args}. */
    public static ChildJvm startClass(
            Path workDir, Path log, Class<?> mainClass, List<String> args, Map<String, String> env) throws IOException {
        return start(
                workDir,
                log,
                List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), mainClass.getName()),
                args,
                env);
    }

    /** Waits for the exit code; kills the process tree and fails when it runs past {@code seconds}. */
    public int waitFor(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            close();
            throw new AssertionError("still running after " + seconds + " s, killed; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the output has a line containing {@code text}; fails after {@code seconds} or if the JVM ends first. */
    public void awaitLine(String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (output().lines().anyMatch(l -> l.contains(text))) return;
            if (!process.isAlive())
                throw new AssertionError(
                        "ended (exit " + process.exitValue() + ") before '" + text + "':\n" + output());
            Thread.sleep(20);
        }
        close();
        throw new AssertionError("no '" + text + "' within " + seconds + " s; output:\n" + output());
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the JVM wrote so far (stdout and stderr together). */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** The JVM's crash reports, if it died natively. */
    public List<Path> crashReports() throws IOException {
        try (Stream<Path> s = Files.list(crashDir)) {
            return s.filter(f -> f.getFileName().toString().contains("hs_err_pid" + process.pid()))
                    .toList();
        }
    }

    /** Kills the JVM and its descendants (SIGKILL) and waits for them. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        for (ProcessHandle h : all) h.destroyForcibly();
        for (ProcessHandle h : all) h.onExit().join();
    }
}
