package dev.uem.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The service's meters, scraped at {@code /metrics} in Prometheus' text format: requests by route and status, latency
 * histograms (the whole request, its time in the queue, the model's time per batch), batch sizes, queue depth, and the
 * process's resident memory.
 */
public final class ServeMetrics implements DynamicBatcher.Listener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer queueWait, modelTime;
    private final DistributionSummary batchSize;

    public ServeMetrics(IntSupplier queueDepth) {
        queueWait = histogram(Timer.builder("uem.queue.wait").description("Time a request waited for its batch"));
        modelTime = histogram(Timer.builder("uem.model.time").description("Model time of one batch"));
        batchSize = DistributionSummary.builder("uem.batch.size")
                .description("Requests answered by one model call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128)
                .register(registry);
        Gauge.builder("uem.queue.depth", queueDepth::getAsInt)
                .description("Requests waiting for the model")
                .register(registry);
        Gauge.builder("uem.process.resident.memory", ServeMetrics::residentBytes)
                .description("Resident set size of the process")
                .baseUnit("bytes")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
    }

    private Timer histogram(Timer.Builder b) {
        return b.publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    /** Records one answered HTTP request. */
    public void request(String route, String method, int status, double millis) {
        Timer.builder("uem.http.requests")
                .description("HTTP requests by route, method and status")
                .tags("route", route, "method", method, "status", Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry)
                .record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
    }

    /** Counts a request the queue refused or that waited too long ({@code reason}: full, timeout). */
    public void refused(String reason) {
        Counter.builder("uem.refused")
                .description("Requests not run: the queue was full, or they waited past their timeout")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    @Override
    public void batch(int size, long[] queueWaits, long modelNanos) {
        batchSize.record(size);
        modelTime.record(modelNanos, TimeUnit.NANOSECONDS);
        for (long w : queueWaits) queueWait.record(w, TimeUnit.NANOSECONDS);
    }

    /** All meters in Prometheus' text exposition format. */
    public String scrape() {
        return registry.scrape();
    }

    /** The process's resident set size in bytes from /proc (NaN where there is none). */
    public static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
