package dev.uem.bench;

import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import dev.uem.serve.Predictor;
import dev.uem.serve.ServeMetrics;
import dev.uem.serve.ServeOptions;
import dev.uem.serve.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code uem bench serve}: a bounded closed-loop load on a loopback {@code uem serve} in this process (each client
 * sends its requests one after another), and the same users predicted offline in batches for the ratio.
 */
public final class ServeBench {
    /** One load level's figures; latencies in milliseconds, as the client saw them. */
    public record Level(
            String name,
            int clients,
            int requests,
            double seconds,
            double perSecond,
            double p50,
            double p95,
            double p99,
            double meanBatch,
            double meanModelMs,
            double meanQueueMs,
            double p50ModelMs,
            double p99ModelMs,
            double p99OverModel,
            Map<Integer, Integer> statuses,
            long otherErrors,
            double peakRssMiB) {}

    /**
     * The offline reference: batched predictions without HTTP, and one request's model time alone (median and 99th
     * percentile over the users a single client asks about, in its order).
     */
    public record Offline(int batch, double perSecond, double singleMs, double singleP99Ms) {}

    private static final Pattern SERIES =
            Pattern.compile("(?m)^uem_(batch_size|model_time_seconds|queue_wait_seconds)_(sum|count) (\\S+)$");
    private static final List<String> SUMMARIES = List.of("batch_size", "model_time_seconds", "queue_wait_seconds");
    private final Predictor predictor;
    private final List<List<Dataset.Entry>> histories;
    private final List<Integer> users;

    /** @param users the dataset users the load asks about, in turn */
    public ServeBench(Predictor predictor, List<Integer> users) {
        this.predictor = predictor;
        this.users = users;
        this.histories = new ArrayList<>();
        for (int u : users) histories.add(HistoryFile.latest(predictor.dataset().history(u), predictor.history()));
    }

    /**
     * Predicts every user in batches of {@code batch} (after one warm-up batch), then the first {@code singles} users
     * one at a time: the requests a single client of {@link #load} sends, without HTTP.
     */
    public Offline offline(int batch, int singles) {
        predictor.predict(histories.subList(0, Math.min(batch, histories.size())));
        long t = System.nanoTime();
        for (int i = 0; i < histories.size(); i += batch)
            predictor.predict(histories.subList(i, Math.min(histories.size(), i + batch)));
        double perSecond = histories.size() / ((System.nanoTime() - t) / 1e9);
        double[] single = new double[singles];
        for (int i = 0; i < single.length; i++) {
            long s = System.nanoTime();
            predictor.predict(List.of(histories.get(i % histories.size())));
            single[i] = (System.nanoTime() - s) / 1e6;
        }
        return new Offline(batch, perSecond, percentile(single, 50), percentile(single, 99));
    }

    /**
     * Starts a server with {@code options}, runs {@code clients} clients × {@code perClient} requests against it and
     * stops it; {@code progress} hears each finished request.
     */
    public Level load(String name, ServeOptions options, int clients, int perClient, IntConsumer progress)
            throws Exception {
        try (Server server = new Server(predictor, options)) {
            server.start(histories.get(0));
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .executor(Executors.newFixedThreadPool(4))
                    .build();
            double[] before = summaries(http, base);
            RssSampler rss = new RssSampler();
            long t = System.nanoTime();
            Outcomes o = drive(http, base, clients, perClient, progress);
            double seconds = (System.nanoTime() - t) / 1e9;
            double[] after = summaries(http, base);
            double peak = rss.stop() / (1 << 20);
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (int s : o.status) statuses.merge(s, 1, Integer::sum);
            return new Level(
                    name,
                    clients,
                    o.latencies.length,
                    seconds,
                    statuses.getOrDefault(200, 0) / seconds,
                    percentile(o.latencies, 50),
                    percentile(o.latencies, 95),
                    percentile(o.latencies, 99),
                    mean(before, after, 0),
                    1e3 * mean(before, after, 1),
                    1e3 * mean(before, after, 2),
                    percentile(answered(o.modelMs), 50),
                    percentile(answered(o.modelMs), 99),
                    percentile(answered(overModel(o)), 99),
                    statuses,
                    o.errors.get(),
                    peak);
        }
    }

    /**
     * Each request's latency (ms), status (-1: failed without one) and model time (ms, from the answer's Server-Timing
     * header; NaN without one), and the count of failures without a status.
     */
    private record Outcomes(double[] latencies, int[] status, double[] modelMs, AtomicLong errors) {}

    /** Each answered request's latency over its own model time. */
    private static double[] overModel(Outcomes o) {
        double[] r = new double[o.latencies.length];
        for (int i = 0; i < r.length; i++) r[i] = o.latencies[i] / o.modelMs[i];
        return r;
    }

    /** The values that are numbers (requests with a model time), or one NaN when none is. */
    private static double[] answered(double[] modelMs) {
        double[] v = Arrays.stream(modelMs).filter(x -> !Double.isNaN(x)).toArray();
        return v.length == 0 ? new double[] {Double.NaN} : v;
    }

    private static final Pattern MODEL_TIME = Pattern.compile("model;dur=([0-9.]+)");

    /** {@code clients} threads, each sending {@code perClient} requests one after another. */
    private Outcomes drive(HttpClient http, String base, int clients, int perClient, IntConsumer progress)
            throws Exception {
        int n = clients * perClient;
        Outcomes o = new Outcomes(new double[n], new int[n], new double[n], new AtomicLong());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                running.add(pool.submit(() -> {
                    for (int k = 0; k < perClient; k++) {
                        int i = client * perClient + k;
                        long s = System.nanoTime();
                        HttpResponse<Void> r = send(http, base, users.get(i % users.size()), o.errors);
                        o.latencies[i] = (System.nanoTime() - s) / 1e6;
                        o.status[i] = r == null ? -1 : r.statusCode();
                        o.modelMs[i] = modelMs(r);
                        progress.accept(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get();
            return o;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The model time an answer's Server-Timing header names, NaN without one. */
    private static double modelMs(HttpResponse<Void> r) {
        if (r == null) return Double.NaN;
        Matcher m = MODEL_TIME.matcher(r.headers().firstValue("Server-Timing").orElse(""));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** POST /v1/predict for a dataset user; the response, or null when the request failed without one. */
    private static HttpResponse<Void> send(HttpClient http, String base, int user, AtomicLong errors) {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/v1/predict"))
                    .timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"userId\": " + user + "}"))
                    .build();
            return http.send(r, HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            errors.incrementAndGet();
            return null;
        }
    }

    /** {@code [sum, count]} of the server's batch-size, model-time and queue-wait summaries, in that order. */
    private static double[] summaries(HttpClient http, String base) throws Exception {
        String text = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        double[] out = new double[2 * SUMMARIES.size()];
        Matcher m = SERIES.matcher(text);
        while (m.find())
            out[2 * SUMMARIES.indexOf(m.group(1)) + (m.group(2).equals("sum") ? 0 : 1)] =
                    Double.parseDouble(m.group(3));
        return out;
    }

    /** The mean of summary {@code k} between two readings. */
    private static double mean(double[] before, double[] after, int k) {
        return (after[2 * k] - before[2 * k]) / (after[2 * k + 1] - before[2 * k + 1]);
    }

    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    /** The process's resident memory, sampled every 20 ms until stopped; the largest sample. */
    private static final class RssSampler {
        private volatile boolean running = true;
        private volatile double peak = ServeMetrics.residentBytes();
        private final Thread thread = new Thread(this::sample, "rss-sampler");

        RssSampler() {
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            while (running) {
                peak = Math.max(peak, ServeMetrics.residentBytes());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        double stop() throws InterruptedException {
            running = false;
            thread.join();
            return Math.max(peak, ServeMetrics.residentBytes());
        }
    }
}
