package dev.uem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.uem.bench.ServeBench;
import dev.uem.io.AtomicFiles;
import dev.uem.io.Log;
import dev.uem.serve.Predictor;
import dev.uem.serve.ServeMetrics;
import dev.uem.serve.ServeOptions;
import dev.uem.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem bench serve}: the service under a bounded load on loopback, beside offline batched predictions. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve --run on loopback in this process and load it: each of --clients levels sends clients × "
                    + "--requests predictions (each client one after another), then an overload level and a "
                    + "soak for memory; the same users predicted offline in batches give the ratio."
        })
final class ServeBenchCommand implements Callable<Integer> {
    @Mixin
    RunOptions runOptions;

    @Option(
            names = "--clients",
            paramLabel = "N,N...",
            split = ",",
            defaultValue = "1,8,32,64",
            description = "Concurrent clients per level (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(
            names = "--requests",
            paramLabel = "M",
            defaultValue = "100",
            description = "Requests per client (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--max-batch",
            paramLabel = "N",
            defaultValue = "32",
            description = "Server's max batch (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--max-delay-ms",
            paramLabel = "MS",
            defaultValue = "5",
            description = "Server's batching delay (default: ${DEFAULT-VALUE}).")
    int maxDelayMs;

    @Option(
            names = "--overload",
            paramLabel = "N",
            defaultValue = "256",
            description = "Clients of the overload level, against a queue of 32 (default: ${DEFAULT-VALUE}; 0: none).")
    int overload;

    @Option(
            names = "--soak",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Requests of the memory soak at 32 clients (default: ${DEFAULT-VALUE}; 0: none).")
    int soak;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || clients.stream().anyMatch(c -> c < 1) || overload < 0 || soak < 0)
            throw new IllegalArgumentException(
                    "bench serve: --clients and --requests >= 1, --overload and --soak >= 0");
        TorchRuntime.init();
        try (RunOptions.Opened o = runOptions.open()) {
            Predictor predictor = new Predictor(o.run(), o.dataset(), o.items(), o.tokenizer(), 32);
            int[] ids = o.dataset().userIds();
            List<Integer> users = Arrays.stream(ids).limit(500).boxed().toList();
            ServeBench bench = new ServeBench(predictor, users);
            ServeBench.Offline offline = bench.offline(maxBatch, requests);
            System.out.printf(
                    "offline: %.1f predictions/s in batches of %d; one request alone %.1f ms (median), %.1f ms (p99)%n",
                    offline.perSecond(), offline.batch(), offline.singleMs(), offline.singleP99Ms());
            List<ServeBench.Level> levels = new ArrayList<>();
            for (int c : clients) levels.add(level(bench, "load", options(256), c, requests));
            if (overload > 0) levels.add(level(bench, "overload", options(32), overload, 10));
            Map<String, Object> soakFigures = soak > 0 ? soak(bench) : Map.of();
            print(levels, offline, soakFigures);
            if (out != null) write(offline, levels, soakFigures);
            return 0;
        }
    }

    private ServeOptions options(int queue) {
        return new ServeOptions("127.0.0.1", 0, maxBatch, maxDelayMs, queue, 60_000, null);
    }

    private static ServeBench.Level level(ServeBench bench, String name, ServeOptions o, int clients, int perClient)
            throws Exception {
        try (ProgressBar bar =
                Log.progress(name + " × " + clients, (long) clients * perClient).build()) {
            return bench.load(name, o, clients, perClient, i -> bar.step());
        }
    }

    /** 32 clients until {@code soak} requests: resident memory after the first 1,000 and at the end. */
    private Map<String, Object> soak(ServeBench bench) throws Exception {
        AtomicInteger done = new AtomicInteger();
        double[] at1000 = {Double.NaN};
        ServeBench.Level l;
        try (ProgressBar bar = Log.progress("soak", soak).build()) {
            l = bench.load("soak", options(256), 32, Math.max(1, soak / 32), i -> {
                bar.step();
                if (done.incrementAndGet() == 1000) at1000[0] = ServeMetrics.residentBytes();
            });
        }
        double end = ServeMetrics.residentBytes();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", l.requests());
        m.put("statuses", l.statuses());
        m.put("rss_after_1000_mib", at1000[0] / (1 << 20));
        m.put("rss_end_mib", end / (1 << 20));
        m.put("growth_percent", 100 * (end - at1000[0]) / at1000[0]);
        return m;
    }

    private static void print(List<ServeBench.Level> levels, ServeBench.Offline offline, Map<String, Object> soak) {
        String head = "%-9s %7s %8s %8s %8s %8s %8s %6s %8s %8s %6s %-22s %8s%n";
        String row = "%-9s %7d %8d %8.1f %8.1f %8.1f %8.1f %6.1f %8.1f %8.1f %6.2f %-22s %8.0f%n";
        System.out.printf(
                head,
                "level",
                "clients",
                "requests",
                "ok/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "batch",
                "model ms",
                "queue ms",
                "ratio",
                "statuses",
                "peak MiB");
        for (ServeBench.Level l : levels)
            System.out.printf(
                    row,
                    l.name(),
                    l.clients(),
                    l.requests(),
                    l.perSecond(),
                    l.p50(),
                    l.p95(),
                    l.p99(),
                    l.meanBatch(),
                    l.meanModelMs(),
                    l.meanQueueMs(),
                    l.perSecond() / offline.perSecond(),
                    l.statuses() + (l.otherErrors() > 0 ? " !" : ""),
                    l.peakRssMiB());
        ServeBench.Level one = levels.get(0);
        System.out.printf(
                "ratio: ok/s over the offline predictions/s; %d client%s: p99 %.1f ms over the same requests' p99 model "
                        + "time %.1f ms (Server-Timing): %.2f; p99 of each request's latency over its own model time: "
                        + "%.2f; p99 over one request's model time offline (median %.1f ms): %.2f%n",
                one.clients(),
                one.clients() == 1 ? "" : "s",
                one.p99(),
                one.p99ModelMs(),
                one.p99() / one.p99ModelMs(),
                one.p99OverModel(),
                offline.singleMs(),
                one.p99() / offline.singleMs());
        if (!soak.isEmpty()) System.out.println("soak: " + soak);
    }

    private void write(ServeBench.Offline offline, List<ServeBench.Level> levels, Map<String, Object> soak)
            throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", runOptions.run.toString());
        m.put("offline", offline);
        m.put("levels", levels);
        m.put("soak", soak);
        AtomicFiles.writeString(
                out,
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    }
}
