package dev.uem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.testing.ServedRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code uem serve} over real HTTP: every endpoint, the decoding, the errors; on a tiny trained run. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServedRun server;
    /** The dataset's histories as the reader orders them: by time, ties by movie id. */
    private static Map<Integer, List<long[]>> histories;

    @BeforeAll
    static void serve() throws Exception {
        server = ServedRun.shared();
        histories = readRatings(
                ServedRun.trained().getParent().resolve("tiny-movielens").resolve("ratings.csv"));
    }

    /** user → [movieId, rating × 2, timestamp] rows in the dataset's order. */
    private static Map<Integer, List<long[]>> readRatings(Path csv) throws Exception {
        Map<Integer, List<long[]>> out = new LinkedHashMap<>();
        for (String line :
                Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] f = line.split(",");
            out.computeIfAbsent(Integer.parseInt(f[0]), u -> new ArrayList<>()).add(new long[] {
                Long.parseLong(f[1]), Math.round(Double.parseDouble(f[2]) * 2), Long.parseLong(f[3])
            });
        }
        for (List<long[]> h : out.values())
            h.sort(Comparator.<long[]>comparingLong(r -> r[2]).thenComparingLong(r -> r[0]));
        return out;
    }

    /** {@code {"ratings": [...]}} with timestamps for rows [from, to) of a user's history. */
    static ObjectNode ratings(int user, int from, int to) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("ratings");
        for (long[] r : histories.get(user).subList(from, to))
            list.addObject().put("movieId", r[0]).put("rating", r[1] / 2.0).put("timestamp", r[2]);
        return body;
    }

    @Test
    void predictsWhatTheRunsEvaluationDecoded() throws Exception {
        List<String> lines = Files.readAllLines(ServedRun.trained().resolve("predictions.jsonl"));
        assertTrue(lines.size() >= 8, "the run evaluated " + lines.size() + " windows");
        for (String line : lines.subList(0, 8)) {
            JsonNode p = JSON.readTree(line);
            int user = p.get("user").asInt(), start = p.get("window_start").asInt();
            ServedRun.Response r = server.post(
                    "/v1/predict",
                    ratings(user, start, start + p.get("window_length").asInt()));
            assertEquals(200, r.status(), r.body());
            assertEquals(p.get("generated").asText(), r.json().get("sentence").asText(), "user " + user);
            assertEquals(p.get("window_length").asInt(), r.json().get("used").asInt());
        }
    }

    @Test
    void aPredictionNamesItsGenresScoresAndTheItemsBehindThem() throws Exception {
        int user = server.someUser();
        ServedRun.Response answer = server.post("/v1/predict", Map.of("userId", user));
        JsonNode p = answer.json();
        assertEquals(10, p.get("used").asInt(), "the run's history length");
        String timing = answer.headers().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("Server-Timing"))
                .map(h -> h.getValue().get(0))
                .findFirst()
                .orElse("");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^queue;dur=([0-9.]+), model;dur=([0-9.]+)$")
                .matcher(timing);
        assertTrue(m.matches(), "Server-Timing: " + timing);
        assertTrue(Double.parseDouble(m.group(2)) > 0, "the model took time: " + timing);
        Set<String> named = new HashSet<>();
        p.get("likes").forEach(g -> named.add(g.asText()));
        p.get("dislikes").forEach(g -> named.add(g.asText()));
        for (String g : named) assertTrue(p.get("sentence").asText().contains(g), g);
        JsonNode scores = p.get("scores");
        assertTrue(scores.size() >= 15, "one score pair per label genre: " + scores);
        scores.forEach(s -> {
            assertTrue(s.get("like").asDouble() >= 0 && s.get("like").asDouble() <= 1, s.toString());
            assertTrue(s.get("dislike").asDouble() >= 0 && s.get("dislike").asDouble() <= 1, s.toString());
        });
        Set<Long> latest = new HashSet<>();
        List<long[]> h = histories.get(user);
        for (long[] r : h.subList(h.size() - 10, h.size())) latest.add(r[0]);
        assertEquals(named, iterable(p.get("why").fieldNames()), "a why list for every named genre");
        p.get("why").forEach(items -> {
            assertTrue(items.size() >= 1 && items.size() <= 3, items.toString());
            double last = 2;
            for (JsonNode item : items) {
                assertTrue(latest.contains(item.get("movieId").asLong()), "from the read history: " + item);
                double w = item.get("weight").asDouble();
                assertTrue(w > 0 && w <= 1 && w <= last + 1e-3, items.toString());
                last = w;
                assertFalse(item.get("title").asText().isBlank());
            }
        });
    }

    private static Set<String> iterable(java.util.Iterator<String> it) {
        Set<String> out = new HashSet<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void historyLimitsTheRatingsRead() throws Exception {
        int user = server.someUser();
        JsonNode p =
                server.post("/v1/predict", Map.of("userId", user, "history", 4)).json();
        assertEquals(4, p.get("used").asInt());
        int n = histories.get(user).size();
        JsonNode same = server.post("/v1/predict", ratings(user, n - 4, n)).json();
        assertEquals(p.get("sentence"), same.get("sentence"));
    }

    @Test
    void softTokensAndPromptsAsListsAndAsBase64() throws Exception {
        int user = server.someUser();
        JsonNode lists =
                server.post("/v1/embed", Map.of("userId", user, "history", 6)).json();
        JsonNode b64 = server.post("/v1/embed", Map.of("userId", user, "history", 6, "format", "base64"))
                .json();
        assertEquals(6, lists.get("shape").get(0).asInt());
        assertEquals(6, lists.get("tokens").size());
        int e = lists.get("shape").get(1).asInt();
        assertEquals(e, lists.get("tokens").get(0).size());
        assertEquals(lists.get("shape"), b64.get("shape"));
        assertEquals("float32", b64.get("dtype").asText());
        ByteBuffer bytes = ByteBuffer.wrap(
                        Base64.getDecoder().decode(b64.get("data").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6 * e * 4, bytes.capacity());
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < e; j++)
                assertEquals(
                        (float) lists.get("tokens").get(i).get(j).asDouble(),
                        bytes.getFloat(),
                        "[" + i + "," + j + "]");
        JsonNode prompts = server.get("/v1/prompts").json();
        assertEquals(e, prompts.get("shape").get(1).asInt());
        assertTrue(prompts.get("shape").get(0).asInt() >= 1);
        assertEquals(
                prompts.get("shape"),
                server.get("/v1/prompts?format=base64").json().get("shape"));
    }

    @Test
    void searchesTheCatalogue() throws Exception {
        JsonNode all = server.get("/v1/movies?limit=5").json();
        assertEquals(5, all.size());
        String word = all.get(0).get("title").asText().split(" ")[0];
        JsonNode hits =
                server.get("/v1/movies?q=" + word.toLowerCase() + "&limit=100").json();
        assertTrue(hits.size() >= 1);
        hits.forEach(h -> assertTrue(h.get("title").asText().toLowerCase().contains(word.toLowerCase()), h.toString()));
        JsonNode first = all.get(0);
        assertTrue(first.get("id").isInt() && first.get("genres").isArray() && first.has("year"), first.toString());
        assertEquals(0, server.get("/v1/movies?q=zzzzqqq").json().size());
    }

    @Test
    void openInferenceProtocol() throws Exception {
        assertEquals(200, server.get("/v2/health/live").status());
        assertEquals(200, server.get("/v2/health/ready").status());
        assertEquals(200, server.get("/v2/models/uem/ready").status());
        JsonNode meta = server.get("/v2/models/uem").json();
        assertEquals("uem", meta.get("name").asText());
        assertEquals(404, server.get("/v2/models/other").status());
        int user = server.someUser(), n = histories.get(user).size();
        ObjectNode infer = JSON.createObjectNode().put("id", "req-1");
        ArrayNode inputs = infer.putArray("inputs");
        ArrayNode ids = tensor(inputs, "movie_ids", "INT64", 10), stars = tensor(inputs, "ratings", "FP32", 10);
        for (long[] r : histories.get(user).subList(n - 10, n)) {
            ids.add(r[0]);
            stars.add(r[1] / 2.0);
        }
        JsonNode out = server.post("/v2/models/uem/infer", infer).json();
        assertEquals("req-1", out.get("id").asText());
        JsonNode v1 = server.post("/v1/predict", Map.of("userId", user)).json();
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        out.get("outputs").forEach(o -> byName.put(o.get("name").asText(), o));
        assertEquals(
                v1.get("sentence").asText(),
                byName.get("sentence").get("data").get(0).asText());
        assertEquals(v1.get("likes"), byName.get("likes").get("data"));
        assertEquals(v1.get("dislikes"), byName.get("dislikes").get("data"));
        assertEquals(
                meta.at("/outputs/3/shape/0").asInt(),
                byName.get("like_scores").get("data").size());
        ObjectNode byUser = JSON.createObjectNode();
        tensor(byUser.putArray("inputs"), "user_id", "INT64", 1).add(user);
        JsonNode same = server.post("/v2/models/uem/infer", byUser).json();
        assertEquals(byName.get("sentence"), same.get("outputs").get(0));
    }

    private static ArrayNode tensor(ArrayNode inputs, String name, String type, int n) {
        ObjectNode t = inputs.addObject().put("name", name).put("datatype", type);
        t.putArray("shape").add(n);
        return t.putArray("data");
    }

    @Test
    void metricsInPrometheusFormat() throws Exception {
        server.post("/v1/predict", Map.of("userId", server.someUser()));
        ServedRun.Response m = server.get("/metrics");
        assertEquals(200, m.status());
        assertTrue(
                m.headers().get("content-type").get(0).startsWith("text/plain"),
                m.headers().toString());
        for (String series : List.of(
                "uem_http_requests_seconds_bucket{method=\"POST\",route=\"/v1/predict\",status=\"200\"",
                "uem_queue_wait_seconds_bucket{",
                "uem_model_time_seconds_bucket{",
                "uem_batch_size_bucket{",
                "uem_queue_depth ",
                "uem_process_resident_memory_bytes ")) assertTrue(m.body().contains(series), series + " missing");
    }

    @Test
    void theOpenApiDocumentDescribesEveryRoute() throws Exception {
        JsonNode doc = server.get("/openapi.json").json();
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        Set<String> documented = new HashSet<>();
        doc.get("paths")
                .fields()
                .forEachRemaining(p -> p.getValue()
                        .fieldNames()
                        .forEachRemaining(method -> documented.add(
                                method.toUpperCase() + " " + p.getKey().replace("{model}", "uem"))));
        assertEquals(new HashSet<>(Server.ROUTES), documented);
        for (String route : Server.ROUTES) {
            String[] r = route.split(" ");
            ServedRun.Response resp = r[0].equals("GET") ? server.get(r[1]) : server.post(r[1], "{}");
            assertTrue(resp.status() == 200 || resp.status() == 400, route + " answered " + resp.status());
        }
    }

    @Test
    void thePageAndNothingOutsideIt() throws Exception {
        ServedRun.Response page = server.get("/");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("data-testid=\"predict\""), page.body());
        // a class file beside the page's folder on the class path: what an escape would reach
        for (String path : List.of("/../Predictor.class", "/%2e%2e/Predictor.class", "/..%2fPredictor.class"))
            try {
                ServedRun.Response r = server.get(path);
                assertTrue(r.status() >= 400 && !r.body().contains("Predictor"), path + " answered " + r.status());
            } catch (IllegalArgumentException refusedByTheClient) {
                // java.net.URI refuses some of these itself: nothing reached the server
            }
    }
}
