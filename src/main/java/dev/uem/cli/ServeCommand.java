package dev.uem.cli;

import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import dev.uem.io.StopSignal;
import dev.uem.serve.Predictor;
import dev.uem.serve.ServeOptions;
import dev.uem.serve.Server;
import dev.uem.torch.TorchRuntime;
import dev.uem.train.TrainedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code uem serve}: a trained run as an HTTP service with dynamic batching and a page to try it. */
@Command(
        name = "serve",
        header = "Serve a trained run over HTTP: predictions, soft tokens, a page to try it.",
        mixinStandardHelpOptions = true,
        description = {
            "Load the run's best parameters once, answer one warm-up request, then listen.",
            "API: POST /v1/predict, POST /v1/embed, GET /v1/prompts, GET /v1/movies, the Open Inference Protocol "
                    + "under /v2, GET /metrics; described at /openapi.json. The page to try it is at /.",
            "SIGTERM or Ctrl-C stops taking requests, answers those in flight, and exits."
        })
final class ServeCommand implements Callable<Integer> {
    @Mixin
    RunOptions runOptions;

    @Mixin
    GenerationOption generation;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--max-batch",
            paramLabel = "N",
            defaultValue = "32",
            description = "Most requests one model call answers (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--max-delay-ms",
            paramLabel = "MS",
            defaultValue = "5",
            description = "How long a batch's first request waits for others, while requests come together "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxDelayMs;

    @Option(
            names = "--queue",
            paramLabel = "N",
            defaultValue = "256",
            description = "Most requests waiting; more get 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(
            names = "--timeout-ms",
            paramLabel = "MS",
            defaultValue = "10000",
            description = "A request not answered within this gets 504 (default: ${DEFAULT-VALUE}).")
    int timeoutMs;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding a bearer token that every route but the health checks and the page's files "
                    + "requires.")
    Path tokenFile;

    @Override
    public Integer call() throws Exception {
        int maxNewTokens = generation.checked();
        ServeOptions options = new ServeOptions(host, port, maxBatch, maxDelayMs, queue, timeoutMs, token());
        TorchRuntime.init();
        try (RunOptions.Opened o = runOptions.open()) {
            TrainedRun r = o.run();
            Dataset d = o.dataset();
            Predictor predictor = new Predictor(r, d, o.items(), o.tokenizer(), maxNewTokens);
            try (Server server = new Server(predictor, options)) {
                int someone = d.userIds()[0];
                double warmMs = server.start(HistoryFile.latest(d.history(someone), r.history));
                System.out.printf(
                        "uem serve: %s (history %d, head fusion %s), warm-up request %.0f ms%n",
                        r.dir, r.history, predictor.fusionWeight(), warmMs);
                System.out.printf(
                        "listening on http://%s:%d/  (page at /, API described at /openapi.json)%n",
                        host.contains(":") ? "[" + host + "]" : host, server.port());
                System.out.flush();
                int exit = StopSignal.await();
                System.out.println("uem serve: stopping: answering the requests in flight");
                return exit;
            }
        }
    }

    /** The bearer token from --token-file (first line, trimmed), or null without one. */
    private String token() throws IOException {
        if (tokenFile == null) return null;
        if (!Files.isRegularFile(tokenFile))
            throw new IllegalArgumentException(tokenFile + ": no such file (--token-file)");
        String t = Files.readAllLines(tokenFile).stream().findFirst().orElse("").strip();
        if (t.isEmpty())
            throw new IllegalArgumentException(tokenFile + ": empty (--token-file needs a token on its first line)");
        return t;
    }
}
