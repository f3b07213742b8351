package dev.uem.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.data.Dataset;
import dev.uem.torch.TorchRuntime;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code uem serve}: a trained run behind HTTP. Model requests ({@code /v1/predict}, {@code /v1/embed},
 * {@code /v2/models/uem/infer}) go through one {@link DynamicBatcher}; the rest answer from memory. Errors are
 * JSON {@code {"error": "one line"}}, never a stack trace. The routes and their bodies are described in
 * {@code /openapi.json}.
 */
public final class Server implements AutoCloseable {
    /** The largest request body accepted. */
    public static final int MAX_BODY = 1 << 20;

    /** The API's routes as {@code METHOD path}, as /openapi.json documents them. */
    public static final List<String> ROUTES = List.of(
            "POST /v1/predict",
            "POST /v1/embed",
            "GET /v1/prompts",
            "GET /v1/movies",
            "GET /v2/health/live",
            "GET /v2/health/ready",
            "GET /v2/models/uem",
            "GET /v2/models/uem/ready",
            "POST /v2/models/uem/infer",
            "GET /metrics",
            "GET /openapi.json");

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGE = "/dev/uem/serve/page";
    private static final Set<String> PAGE_FILES = Set.of("/", "/index.html", "/app.js", "/style.css");

    private final Predictor predictor;
    private final ServeOptions options;
    private final UserRequests requests;
    private final OpenInference inference;
    private final Catalogue catalogue;
    private final DynamicBatcher<Job, Job.Answer> batcher;
    private final ServeMetrics metrics;
    /** Writes the answers, so that the model's thread never waits on a client's socket. */
    private final ExecutorService responders = Executors.newFixedThreadPool(4, daemon("uem-respond"));
    /** The task prompts: they never change, so they are read from the model once. */
    private final float[][] prompts;

    private final Javalin app;
    private volatile boolean ready, stopping;

    private final int blasThreads = TorchRuntime.blasStartThreads(); // for batches

    public Server(Predictor predictor, ServeOptions options) {
        this.predictor = predictor;
        this.options = options;
        Dataset d = predictor.dataset();
        this.requests = new UserRequests(d, predictor.history());
        this.inference = new OpenInference(requests, d.labelGenres(), predictor.history());
        this.catalogue = new Catalogue(d);
        this.prompts = predictor.prompts();
        this.metrics = new ServeMetrics(this::queueDepth);
        this.batcher = new DynamicBatcher<>(
                this::run,
                options.maxBatch(),
                options.maxDelayMs(),
                options.queue(),
                metrics,
                TorchRuntime::initThread); // the model thread gets the settings TorchRuntime.init gave the main one
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY;
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = PAGE;
                s.location = Location.CLASSPATH;
            });
            config.requestLogger.http(this::answered);
            // stop() waits this long for requests in flight (Jetty's graceful stop)
            config.jetty.modifyServer(server -> server.setStopTimeout(options.timeoutMs()));
        });
        routes();
    }

    private int queueDepth() {
        return batcher == null ? 0 : batcher.depth();
    }

    /** The model function the batcher calls: predictions and soft tokens, each kind in one call. */
    private List<Job.Answer> run(List<Job> jobs) {
        // a lone request's matrix products are small: one core runs them about as fast, and the other stays free for
        // the HTTP threads, GC and JIT, which shortens the latency tail (bench/RESULTS.md); batches use every core
        TorchRuntime.blasThreads(jobs.size() == 1 ? 1 : blasThreads);
        long t = System.nanoTime();
        List<List<Dataset.Entry>> predict = new ArrayList<>(), embed = new ArrayList<>();
        for (Job j : jobs) (j.kind() == Job.Kind.PREDICT ? predict : embed).add(j.history());
        List<Prediction> p = predict.isEmpty() ? List.of() : predictor.predict(predict);
        List<float[][]> e = embed.isEmpty() ? List.of() : predictor.embed(embed);
        double ms = (System.nanoTime() - t) / 1e6;
        List<Job.Answer> out = new ArrayList<>(jobs.size());
        int pi = 0, ei = 0;
        for (Job j : jobs)
            out.add(
                    j.kind() == Job.Kind.PREDICT
                            ? new Job.Answer(p.get(pi++), null, ms)
                            : new Job.Answer(null, e.get(ei++), ms));
        return out;
    }

    private void routes() {
        app.before(this::admit);
        app.post(
                "/v1/predict",
                ctx -> model(ctx, Job.Kind.PREDICT, requests.history(body(ctx)), a -> ctx.json(a.prediction())));
        app.post("/v1/embed", this::embed);
        app.get(
                "/v1/prompts",
                ctx -> ctx.json(Matrices.json(prompts, Matrices.base64(ctx.queryParam("format"), "format"))));
        app.get("/v1/movies", this::movies);
        app.get("/v2/health/live", ctx -> ctx.json(Map.of("live", true)));
        app.get("/v2/health/ready", ctx -> ctx.status(ready ? 200 : 503).json(Map.of("ready", ready)));
        app.get("/v2/models/{model}", ctx -> ctx.json(knownModel(ctx, inference.metadata())));
        app.get(
                "/v2/models/{model}/ready",
                ctx -> ctx.status(ready ? 200 : 503)
                        .json(knownModel(ctx, Map.of("name", OpenInference.MODEL, "ready", ready))));
        app.post("/v2/models/{model}/infer", this::infer);
        app.get(
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(metrics.scrape()));
        app.get(
                "/openapi.json",
                ctx -> ctx.contentType("application/json")
                        .result(getClass().getResourceAsStream("/dev/uem/serve/openapi.json")));
        app.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(
                HttpResponseException.class,
                (e, ctx) -> error(
                        ctx,
                        e.getStatus() == 413 ? 400 : e.getStatus(),
                        e.getStatus() == 413 ? tooLarge() : e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> internal(ctx, e));
    }

    /** Refuses what must not reach a handler: no token, a body over the limit, a request while stopping. */
    private void admit(Context ctx) {
        String path = ctx.path();
        if (path.startsWith("/v2/health/")) return;
        if (options.token() != null && !PAGE_FILES.contains(path) && !authorised(ctx)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new HttpResponseException(401, "Authorization: expected \"Bearer <token>\" (uem serve --token-file)");
        }
        if (ctx.req().getContentLengthLong() > MAX_BODY) throw new BadRequest(tooLarge());
        if (stopping) {
            ctx.header("Retry-After", "1");
            throw new HttpResponseException(503, "the service is shutting down");
        }
    }

    private static String tooLarge() {
        return "request body: expected at most " + MAX_BODY + " bytes (1 MiB)";
    }

    private boolean authorised(Context ctx) {
        String h = ctx.header("Authorization");
        byte[] given = (h == null ? "" : h).getBytes(StandardCharsets.UTF_8);
        byte[] wanted = ("Bearer " + options.token()).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, wanted);
    }

    /** The request body as JSON, read up to the limit whether or not the client said its length. */
    private static JsonNode body(Context ctx) {
        byte[] bytes;
        try {
            bytes = ctx.req().getInputStream().readNBytes(MAX_BODY + 1);
        } catch (java.io.IOException e) {
            throw new BadRequest("request body: unreadable: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY) throw new BadRequest(tooLarge());
        if (bytes.length == 0) throw new BadRequest("request body: expected a JSON object, found nothing");
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String why = e.getOriginalMessage().lines().findFirst().orElse("");
            if (why.contains(" (")) why = why.substring(0, why.indexOf(" ("));
            throw new BadRequest("request body: malformed JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": " + why);
        } catch (java.io.IOException e) {
            throw new BadRequest("request body: unreadable: " + e.getMessage());
        }
    }

    private void embed(Context ctx) {
        JsonNode body = body(ctx);
        boolean base64 = Matrices.base64(
                body.path("format").isTextual() ? body.get("format").asText() : null, "format");
        List<Dataset.Entry> history = requests.history(body);
        model(ctx, Job.Kind.EMBED, history, a -> {
            Map<String, Object> out = Matrices.json(a.tokens(), base64);
            out.put("used", history.size());
            ctx.json(out);
        });
    }

    private void infer(Context ctx) {
        knownModel(ctx, null);
        JsonNode body = body(ctx);
        String id = body.path("id").isTextual() ? body.get("id").asText() : null;
        model(ctx, Job.Kind.PREDICT, inference.history(body), a -> ctx.json(inference.response(id, a.prediction())));
    }

    private static <T> T knownModel(Context ctx, T answer) {
        String name = ctx.pathParam("model");
        if (!name.equals(OpenInference.MODEL))
            throw new HttpResponseException(404, "no model \"" + name + "\" (this server has \"uem\")");
        return answer;
    }

    private void movies(Context ctx) {
        String limit = ctx.queryParam("limit");
        int n;
        try {
            n = limit == null ? 20 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            throw new BadRequest("limit: expected an integer, found \"" + limit + "\"");
        }
        if (n < 1 || n > Catalogue.MAX_LIMIT)
            throw new BadRequest("limit: expected 1 to " + Catalogue.MAX_LIMIT + ", found " + n);
        ctx.json(catalogue.search(ctx.queryParam("q"), n));
    }

    /** Queues a model job; the response is written when its batch has run, or an error when it could not be. */
    private void model(Context ctx, Job.Kind kind, List<Dataset.Entry> history, Consumer<Job.Answer> reply) {
        long t = System.nanoTime();
        CompletableFuture<Job.Answer> answer = submit(new Job(kind, history));
        ctx.future(() -> answer.handleAsync(
                (a, e) -> {
                    if (e == null) {
                        // the W3C Server-Timing header: the model's share of the time spent here, the rest waiting
                        double here = (System.nanoTime() - t) / 1e6;
                        ctx.header(
                                "Server-Timing",
                                String.format(
                                        Locale.ROOT,
                                        "queue;dur=%.1f, model;dur=%.1f",
                                        Math.max(0, here - a.modelMs()),
                                        a.modelMs()));
                        reply.accept(a);
                    } else failed(ctx, e);
                    return null;
                },
                responders));
    }

    private CompletableFuture<Job.Answer> submit(Job job) {
        try {
            return batcher.submit(job, options.timeoutMs()).orTimeout(options.timeoutMs(), TimeUnit.MILLISECONDS);
        } catch (DynamicBatcher.QueueFull | DynamicBatcher.Closed e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void failed(Context ctx, Throwable e) {
        Throwable cause = e instanceof CompletionException || e instanceof ExecutionException ? e.getCause() : e;
        if (cause instanceof DynamicBatcher.Closed) {
            ctx.header("Retry-After", "1");
            error(ctx, 503, cause.getMessage());
        } else if (cause instanceof DynamicBatcher.QueueFull) {
            metrics.refused("full");
            ctx.header("Retry-After", "1");
            error(ctx, 503, "overloaded: " + cause.getMessage() + "; retry later");
        } else if (cause instanceof TimeoutException) {
            metrics.refused("timeout");
            error(ctx, 504, "no answer within " + options.timeoutMs() + " ms (uem serve --timeout-ms)");
        } else if (cause instanceof BadRequest) error(ctx, 400, cause.getMessage());
        else internal(ctx, cause);
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    /** A bug: the client gets one fixed line, the server's log the details. */
    private static void internal(Context ctx, Throwable e) {
        LOG.error("{} {}: {}", ctx.method(), ctx.path(), e.toString(), e);
        error(ctx, 500, "internal error (" + e.getClass().getSimpleName() + "); the server's log has the details");
    }

    private void answered(Context ctx, Float millis) {
        metrics.request(route(ctx), ctx.method().name(), ctx.status().getCode(), millis);
    }

    /** The route a request matched ("none" when none did, "page" for the page's files), as a metrics tag. */
    private static String route(Context ctx) {
        try {
            String route = ctx.endpointHandlerPath();
            return route.isEmpty() || route.equals("*") ? "page" : route;
        } catch (IllegalStateException noEndpoint) {
            return PAGE_FILES.contains(ctx.path()) ? "page" : "none";
        }
    }

    /**
     * Binds, answers one warm-up request through the whole model path, and reports ready.
     *
     * @return the warm-up request's time in milliseconds
     */
    public double start(List<Dataset.Entry> warmUp) throws Exception {
        app.start(options.host(), options.port());
        long t = System.nanoTime();
        batcher.submit(new Job(Job.Kind.PREDICT, warmUp), 600_000).get();
        ready = true;
        return (System.nanoTime() - t) / 1e6;
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return app.port();
    }

    /** Stops taking requests, answers those in flight (waiting at most the request timeout), then closes. */
    @Override
    public void close() {
        ready = false;
        stopping = true;
        batcher.close();
        app.stop(); // graceful: requests in flight finish first
        responders.shutdown();
        TorchRuntime.blasThreads(blasThreads);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
