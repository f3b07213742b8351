package dev.uem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.testing.ServedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching, overload, timeouts, the token and a clean stop, each on a server of its own settings. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ServeLoadIT {
    @TempDir
    static Path tmp;

    /** Sends {@code bodies} at once from as many threads; the responses in order. */
    private static List<ServedRun.Response> together(ServedRun s, String path, List<Object> bodies) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<ServedRun.Response>> f = new ArrayList<>();
            for (Object b : bodies) f.add(pool.submit(() -> s.post(path, b)));
            List<ServedRun.Response> out = new ArrayList<>();
            for (Future<ServedRun.Response> r : f) out.add(r.get(120, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAnswerDoesNotDependOnItsBatch() throws Exception {
        try (ServedRun s = ServedRun.start(List.of("--max-batch", "16", "--max-delay-ms", "300"))) {
            List<Object> bodies = new ArrayList<>();
            for (int u : ServedRun.users().subList(0, 12)) bodies.add(Map.of("userId", u, "history", 3 + u % 8));
            List<ServedRun.Response> batched = together(s, "/v1/predict", bodies);
            assertTrue(largestBatch(s) >= 4, "requests sent together were batched: " + largestBatch(s));
            for (int i = 0; i < bodies.size(); i++) {
                JsonNode alone = s.post("/v1/predict", bodies.get(i)).json(),
                        inBatch = batched.get(i).json();
                assertEquals(
                        alone.get("sentence"),
                        inBatch.get("sentence"),
                        bodies.get(i).toString());
                alone.get("scores").fields().forEachRemaining(g -> {
                    JsonNode other = inBatch.get("scores").get(g.getKey());
                    for (String k : List.of("like", "dislike"))
                        assertEquals(
                                g.getValue().get(k).asDouble(), other.get(k).asDouble(), 1e-5, g.getKey());
                });
            }
        }
    }

    private static double largestBatch(ServedRun s) throws Exception {
        Matcher m = Pattern.compile("(?m)^uem_batch_size_max (\\S+)")
                .matcher(s.get("/metrics").body());
        assertTrue(m.find());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aFullQueueAnswers503AndNothingElseFails() throws Exception {
        try (ServedRun s = ServedRun.start(List.of("--queue", "1", "--max-batch", "1", "--max-delay-ms", "0"))) {
            List<Object> bodies = new ArrayList<>();
            for (int i = 0; i < 48; i++)
                bodies.add(Map.of("userId", ServedRun.users().get(i % 20)));
            List<ServedRun.Response> all = together(s, "/v1/predict", bodies);
            Set<Integer> statuses = new HashSet<>();
            for (ServedRun.Response r : all) {
                statuses.add(r.status());
                if (r.status() == 503) {
                    assertEquals(List.of("1"), r.headers().get("retry-after"));
                    assertTrue(r.error().startsWith("overloaded: the queue is full"), r.error());
                }
            }
            assertEquals(Set.of(200, 503), statuses);
        }
    }

    @Test
    void aRequestPastItsTimeoutGets504() throws Exception {
        try (ServedRun s = ServedRun.start(List.of("--timeout-ms", "1"))) {
            ServedRun.Response r =
                    s.post("/v1/predict", Map.of("userId", ServedRun.users().get(0)));
            assertEquals(504, r.status(), r.body());
            assertEquals("no answer within 1 ms (uem serve --timeout-ms)", r.error());
            assertEquals(200, s.get("/v1/movies?limit=1").status(), "no model in the path: no timeout");
        }
    }

    @Test
    void withATokenEveryRouteButHealthAndThePageNeedsIt() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "s3cret-token\n");
        try (ServedRun s = ServedRun.start(List.of("--token-file", token.toString()))) {
            Map<String, Integer> user = Map.of("userId", ServedRun.users().get(0));
            ServedRun.Response none = s.post("/v1/predict", user);
            assertEquals(401, none.status());
            assertEquals(List.of("Bearer"), none.headers().get("www-authenticate"));
            assertEquals(
                    401,
                    s.post("/v1/predict", user, "Authorization", "Bearer wrong").status());
            assertEquals(401, s.get("/metrics").status());
            assertEquals(401, s.get("/v2/models/uem").status());
            assertEquals(
                    200,
                    s.post("/v1/predict", user, "Authorization", "Bearer s3cret-token")
                            .status());
            assertEquals(
                    200,
                    s.get("/metrics", "Authorization", "Bearer s3cret-token").status());
            assertEquals(200, s.get("/v2/health/live").status());
            assertEquals(200, s.get("/v2/health/ready").status());
            assertEquals(200, s.get("/").status(), "the page's files hold no data");
        }
    }

    @Test
    void sigtermAnswersWhatIsInFlightThenExits() throws Exception {
        try (ServedRun s = ServedRun.start(List.of("--max-batch", "4"))) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<ServedRun.Response>> sent = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int u = ServedRun.users().get(i);
                sent.add(pool.submit(() -> s.post("/v1/predict", Map.of("userId", u))));
            }
            Thread.sleep(150);
            new ProcessBuilder("kill", "-TERM", Long.toString(s.process().pid()))
                    .start()
                    .waitFor();
            int answered = 0;
            for (Future<ServedRun.Response> f : sent) {
                try {
                    int status = f.get(60, TimeUnit.SECONDS).status();
                    assertTrue(status == 200 || status == 503, "status " + status);
                    if (status == 200) answered++;
                } catch (java.util.concurrent.ExecutionException e) {
                    // a request that reached the socket after the listener closed: refused, never half-answered
                    assertTrue(e.getCause() instanceof java.io.IOException, e.toString());
                }
            }
            pool.shutdownNow();
            assertEquals(143, s.process().waitFor(60), s.process().output());
            assertTrue(answered >= 1, "requests in flight at the signal were answered");
            assertTrue(s.process().output().contains("stopping: answering the requests in flight"));
        }
    }
}
