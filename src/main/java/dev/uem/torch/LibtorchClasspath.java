package dev.uem.torch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which libtorch natives the class path carries. Two builds (the CPU and the CUDA one) both register their kernels
 * with the same dispatcher, and libtorch aborts the process at start-up ("Tried to register multiple backend
 * fallbacks for the same dispatch key"), with no Java error to catch; so this is checked before loading.
 */
public final class LibtorchClasspath {
    private static final Pattern NATIVES =
            Pattern.compile("pytorch-[^/\\\\]*-(linux|macosx|windows)-[a-z0-9_]+(-gpu)?\\.jar$");

    private LibtorchClasspath() {}

    /** The libtorch natives jars among class path entries: file names, in order. */
    public static List<String> natives(List<String> entries) {
        List<String> found = new ArrayList<>();
        for (String e : entries) {
            Matcher m = NATIVES.matcher(e);
            if (m.find()) found.add(Path.of(e).getFileName().toString());
        }
        return found;
    }

    /** An error line when {@code entries} hold more than one libtorch build, else null. */
    public static String conflict(List<String> entries) {
        List<String> n = natives(entries);
        return n.size() <= 1
                ? null
                : "the class path holds " + n.size() + " libtorch builds (" + String.join(", ", n)
                        + "): keep one; build with 'mvn package' for CPU hosts or 'mvn -Pgpu package' for CUDA hosts";
    }

    /** Whether the natives on the class path are the CUDA build. */
    public static boolean cuda(List<String> entries) {
        return natives(entries).stream().anyMatch(n -> n.endsWith("-gpu.jar"));
    }

    /** Whether the host has a loaded NVIDIA kernel driver (what CUDA libtorch needs before it can even load). */
    public static boolean nvidiaDriverPresent() {
        return Files.exists(Path.of("/proc/driver/nvidia/version")) || Files.exists(Path.of("/dev/nvidiactl"));
    }

    /**
     * This process's class path entries, with the {@code Class-Path} of every jar on it (as {@code java -jar} uses).
     */
    public static List<String> current() {
        Set<String> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (e.isEmpty()) continue;
            out.add(e);
            Path p = Path.of(e);
            if (e.endsWith(".jar") && Files.isRegularFile(p)) out.addAll(manifestClassPath(p));
        }
        return new ArrayList<>(out);
    }

    /** A jar's manifest {@code Class-Path}, resolved against the jar's folder. */
    public static List<String> manifestClassPath(Path jar) {
        try (JarFile f = new JarFile(jar.toFile())) {
            Manifest m = f.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
            if (cp == null || cp.isBlank()) return List.of();
            Path dir = jar.toAbsolutePath().getParent();
            List<String> out = new ArrayList<>();
            for (String rel : cp.trim().split("\\s+"))
                out.add(dir.resolve(rel).normalize().toString());
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }
}
