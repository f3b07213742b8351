package dev.uem.io;

import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * uem's messages: SLF4J loggers with the simple backend writing one line per message to stderr, and the progress bars.
 * {@code --quiet} keeps warnings and errors only and hides the bars; {@code --verbose} adds debug messages. Libraries'
 * own loggers say only errors.
 */
public final class Log {
    /** How much uem says. */
    public enum Verbosity {
        QUIET,
        NORMAL,
        VERBOSE
    }

    private static volatile Verbosity verbosity = Verbosity.NORMAL;

    private Log() {}

    /** Sets how much is said; call before the first logger is made (the command line does, while parsing). */
    public static void configure(Verbosity v) {
        verbosity = v;
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        System.setProperty(
                "org.slf4j.simpleLogger.log.uem",
                switch (v) {
                    case QUIET -> "warn";
                    case NORMAL -> "info";
                    case VERBOSE -> "debug";
                });
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    }

    /** The logger of uem's messages (one name, {@code uem}, so every line reads {@code INFO uem - ...}). */
    public static Logger logger() {
        return LoggerFactory.getLogger("uem");
    }

    /** A progress bar for {@code task} out of {@code max} units, silent under {@code --quiet}. */
    public static ProgressBarBuilder progress(String task, long max) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .startsFrom(0, Duration.ZERO);
        return verbosity == Verbosity.QUIET ? b.setConsumer(new DelegatingProgressBarConsumer(line -> {})) : b;
    }

    static {
        if (System.getProperty("org.slf4j.simpleLogger.log.uem") == null) configure(Verbosity.NORMAL);
    }
}
