package dev.uem.experiment;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock seconds of an arm's phases in the order they ran (windows, model, training, head readout, each decoding
 * pass), so that {@code arm.json} and {@code results.json} say where a run's time went.
 */
final class PhaseTimes {
    /** Work of one phase that may fail with an I/O error. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    private final long start = System.nanoTime();
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    /** Runs {@code work} as phase {@code name} (times of a phase run twice add up). */
    <T> T time(String name, Work<T> work) throws IOException {
        long t = System.nanoTime();
        try {
            return work.run();
        } finally {
            seconds.merge(name, (System.nanoTime() - t) / 1e9, Double::sum);
        }
    }

    /** Seconds of {@code name} so far (0 when it has not run). */
    double seconds(String name) {
        return seconds.getOrDefault(name, 0.0);
    }

    /** Seconds since these times were started. */
    double total() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Every phase's seconds, in order. */
    Map<String, Double> all() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }
}
