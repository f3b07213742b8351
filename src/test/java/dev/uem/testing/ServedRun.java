package dev.uem.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A short {@code uem train} run on a tiny MovieLens cut (trained once per test JVM with the packaged jar, the default
 * head and fusion), and {@code uem serve} child processes on it; every server is killed with its JVM.
 */
public final class ServedRun implements AutoCloseable {
    /** The packaged jar the integration tests run. */
    public static final Path JAR = Path.of("target", "uem.jar").toAbsolutePath();

    private static final Path HOME = Path.of("target", "served-run").toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("listening on (http://[^/\\s]+)/");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static Path run;
    private static List<Integer> users;
    private static ServedRun shared;
    private static int started;

    private final ChildJvm server;
    private final String url;

    private ServedRun(ChildJvm server, String url) {
        this.server = server;
        this.url = url;
    }

    /** One server without a token, started once per test JVM (closed when the JVM ends). */
    public static synchronized ServedRun shared() throws Exception {
        if (shared == null) {
            shared = start(List.of("--max-delay-ms", "20"));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A new server with {@code options} added to {@code serve --run RUN --port 0}; the caller closes it. */
    public static synchronized ServedRun start(List<String> options) throws Exception {
        Path r = trained();
        List<String> args = new ArrayList<>(List.of("serve", "--run", r.toString(), "--port", "0"));
        args.addAll(options);
        Path log = HOME.resolve("logs").resolve("serve-" + started++ + ".log");
        ChildJvm child = ChildJvm.start(HOME, log, List.of("-Xmx1g", "-jar", JAR.toString()), args, Map.of());
        try {
            child.awaitLine("listening on", 180);
        } catch (AssertionError | InterruptedException e) {
            child.close();
            throw e;
        }
        Matcher m = LISTENING.matcher(child.output());
        if (!m.find()) throw new AssertionError("no address in: " + child.output());
        return new ServedRun(child, m.group(1));
    }

    /** The run folder, trained on first use. */
    public static synchronized Path trained() throws Exception {
        if (run != null) return run;
        if (!Files.isRegularFile(JAR)) throw new AssertionError(JAR + " is built by the package phase");
        Path data = HOME.resolve("tiny-movielens");
        users = TinyMovieLens.write(data, 40, 120).stream()
                .map(Integer::valueOf)
                .toList();
        Path out = HOME.resolve("run");
        deleteTree(out); // an earlier test JVM's run: this one trains its own
        List<String> train = List.of(
                "train",
                "--data",
                data.toString(),
                "--cache",
                HOME.resolve("cache").toString(),
                "--out",
                out.toString(),
                "--history",
                "10",
                "--uem-warmup",
                "30",
                "--steps",
                "30",
                "--eval-every",
                "30",
                "--batch-size",
                "4");
        try (ChildJvm child = ChildJvm.start(
                HOME, HOME.resolve("logs").resolve("train.log"), List.of("-jar", JAR.toString()), train, Map.of())) {
            int code = child.waitFor(300);
            if (code != 0) throw new AssertionError("uem train exited " + code + ":\n" + child.output());
        }
        run = out;
        return run;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

    /** The served dataset's user ids (they all have at least 20 ratings). */
    public static List<Integer> users() {
        return users;
    }

    /** The base address, e.g. {@code http://127.0.0.1:41234} (no trailing slash). */
    public String url() {
        return url;
    }

    /** A user of the dataset. */
    public int someUser() {
        return users.get(0);
    }

    /** A few movie ids of the dataset, most-rated first. */
    public List<Integer> movieIds() {
        List<Integer> ids = new ArrayList<>();
        try {
            for (JsonNode m : get("/v1/movies?limit=20").json())
                ids.add(m.get("id").asInt());
        } catch (Exception e) {
            throw new AssertionError("GET /v1/movies failed", e);
        }
        return ids;
    }

    /** The server's process. */
    public ChildJvm process() {
        return server;
    }

    /** A response: status, headers, body. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The one-line error of an error response. */
        public String error() {
            return json().path("error").asText();
        }
    }

    public Response get(String path, String... headers) throws Exception {
        return send(request(path, headers).GET().build());
    }

    public Response post(String path, String body, String... headers) throws Exception {
        return send(request(path, headers)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    /** Posts a body as a stream, so the request carries no Content-Length (chunked). */
    public Response postStream(String path, byte[] body) throws Exception {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                .build());
    }

    /** Posts a JSON tree. */
    public Response post(String path, Object body, String... headers) throws Exception {
        return post(path, JSON.writeValueAsString(body), headers);
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return b;
    }

    private static Response send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        return new Response(
                resp.statusCode(), new LinkedHashMap<>(resp.headers().map()), resp.body());
    }

    /** Kills the server (and its children). */
    @Override
    public void close() {
        server.close();
    }
}
