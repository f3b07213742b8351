package dev.uem.torch;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * Loads JavaCPP native libraries (libtorch, OpenBLAS, uem's own) safely on a cold cache and beside other uem processes.
 *
 * <p>Why: JavaCPP unpacks each library from its jar just before loading it, in the preset's order, and libtorch's
 * order loads {@code libtorch.so} before {@code libtorch_cpu.so}, which it needs. On an empty cache the dynamic linker
 * then looks for {@code libtorch_cpu.so} while it is not yet in its folder: it takes any other copy on the library
 * search path, or a half-written one that a concurrent first run is unpacking, and the JVM dies (SIGBUS/SIGSEGV in
 * {@code System.load}). So every library folder is unpacked whole before the first load, and unpacking plus loading
 * run under one lock file in the cache folder, so that a second process never reads a folder while the first writes
 * or re-links it (bench/RESULTS.md, "First run on a fresh machine").
 */
public final class NativeLibraries {
    /**
     * Jar folders of native libraries, relative to the class path root; {@code %s} is the platform, e.g. linux-x86_64.
     */
    private static final List<String> FOLDERS = List.of(
            "org/bytedeco/javacpp/%s/",
            "org/bytedeco/openblas/%s/",
            "org/bytedeco/pytorch/%s/",
            "org/bytedeco/pytorch/%s-gpu/",
            "org/bytedeco/cuda/%s/",
            "dev/uem/torch/%s/",
            "dev/uem/kernels/%s/");

    private static final String LOCK_FILE = ".uem-load.lock";
    private static boolean unpacked;

    private NativeLibraries() {}

    /**
     * {@code Loader.load} of each class after every library folder on the class path is unpacked to the JavaCPP cache,
     * holding the cache's uem lock across processes.
     *
     * @throws UncheckedIOException when the cache folder cannot be created, locked or written
     */
    public static synchronized void load(Class<?>... classes) {
        File cache = null;
        try {
            cache = Loader.getCacheDir();
            Files.createDirectories(cache.toPath());
            try (FileChannel channel = FileChannel.open(
                            cache.toPath().resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                if (!unpacked) unpackAll();
                unpacked = true;
                for (Class<?> cls : classes) Loader.load(cls);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not unpack the native libraries into the JavaCPP cache" + (cache != null ? " " + cache : "")
                            + ": " + e.getMessage(),
                    e);
        }
    }

    /** Unpacks every native library folder found in a jar on the class path (folders on disk are loaded in place). */
    static void unpackAll() throws IOException {
        String platform = Loader.getPlatform();
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        for (String folder : FOLDERS) {
            var urls = loader.getResources(folder.formatted(platform));
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                if (url.getProtocol().equals("jar")) Loader.cacheResource(url);
            }
        }
    }
}
