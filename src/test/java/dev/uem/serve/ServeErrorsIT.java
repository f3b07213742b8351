package dev.uem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.uem.testing.ServedRun;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input gets 400 with one line naming the field, never a 500; unknown routes 404. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ServeErrorsIT {
    private static ServedRun server;
    private static int movie;

    @BeforeAll
    static void serve() throws Exception {
        server = ServedRun.shared();
        movie = server.movieIds().get(0);
    }

    private static void refused(String path, String body, String error) throws Exception {
        ServedRun.Response r = server.post(path, body);
        assertEquals(400, r.status(), body + " -> " + r.body());
        assertEquals(error, r.error(), body);
        assertEquals(1, r.error().lines().count());
    }

    @Test
    void badBodiesNameTheField() throws Exception {
        refused(
                "/v1/predict",
                "{\"ratings\": [",
                "request body: malformed JSON at line 1, column 14: "
                        + "Unexpected end-of-input: expected close marker for Array");
        refused("/v1/predict", "", "request body: expected a JSON object, found nothing");
        refused("/v1/predict", "[1]", "request body: expected a JSON object, found array [1]");
        refused("/v1/predict", "{}", "request body: expected one of \"ratings\" and \"userId\", found neither");
        refused(
                "/v1/predict",
                "{\"userId\": 1, \"ratings\": []}",
                "request body: expected one of \"ratings\" and \"userId\", found both");
        refused("/v1/predict", "{\"user\": 1}", "request body: unknown field \"user\" (expected ratings or userId)");
        refused("/v1/predict", "{\"userId\": \"x\"}", "userId: expected an integer, found string \"x\"");
        refused("/v1/predict", "{\"userId\": 999999999}", "userId: no user 999999999 in the dataset tiny-movielens");
        refused("/v1/predict", "{\"ratings\": []}", "ratings: expected at least one rating, found none");
        refused("/v1/predict", "{\"ratings\": [{\"rating\": 4}]}", "ratings[0].movieId: missing");
        refused("/v1/predict", "{\"ratings\": [{\"movieId\": " + movie + "}]}", "ratings[0].rating: missing");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": 5}, {\"movieId\": -3, " + "\"rating\": 4}]}",
                "ratings[1].movieId: -3 is not a movie of the dataset");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": 5.5}]}",
                "ratings[0].rating: expected 0.5 to 5.0 in steps of 0.5, found 5.5");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": 3.3}]}",
                "ratings[0].rating: expected 0.5 to 5.0 in steps of 0.5, found 3.3");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": \"5\"}]}",
                "ratings[0].rating: expected a number, found string \"5\"");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": 5, \"timestamp\": 3}, " + "{\"movieId\": "
                        + movie + ", \"rating\": 4}]}",
                "ratings[1].timestamp: expected on every rating or on none, found none here");
        refused("/v1/predict", "{\"userId\": 1, \"history\": 11}", "history: expected 1 to 10, found 11");
        refused(
                "/v1/embed",
                "{\"userId\": 1, \"format\": \"npy\"}",
                "format: expected \"lists\" or \"base64\", found \"npy\"");
        refused(
                "/v1/predict",
                "{\"ratings\": [{\"movieId\": " + movie + ", \"rating\": 5}, {\"movieId\": " + movie
                        + ", \"rating\": 4}]}",
                "ratings[1].movieId: movie " + movie + " is rated twice (also ratings[0].movieId)");
        refused(
                "/v2/models/uem/infer",
                "{\"inputs\": [{\"name\": \"movie_ids\", \"datatype\": \"INT64\", \"shape\": {\"a\": 1}, "
                        + "\"data\": [1]}]}",
                "inputs[movie_ids].shape: expected [1], found {\"a\":1}");
        refused(
                "/v2/models/uem/infer",
                "{\"inputs\": [{\"name\": \"movie_ids\", \"datatype\": \"INT64\", \"data\": [" + movie + "]}, "
                        + "{\"name\": \"ratings\", \"datatype\": \"FP32\", \"data\": [4]}, "
                        + "{\"name\": \"timestamps\", \"datatype\": \"INT64\", \"data\": [\"x\"]}]}",
                "inputs[timestamps].data[0]: expected an integer, found string \"x\"");
        refused(
                "/v2/models/uem/infer",
                "{\"inputs\": [{\"name\": \"movie_ids\", \"datatype\": \"INT64\", " + "\"shape\": [1], \"data\": ["
                        + movie + "]}]}",
                "inputs: expected movie_ids and ratings, or user_id, found [movie_ids]");
    }

    @Test
    void tooManyRatingsAndTooLargeBodies() throws Exception {
        StringBuilder many = new StringBuilder("{\"ratings\": [");
        for (int i = 0; i <= UserRequests.MAX_RATINGS; i++)
            many.append(i == 0 ? "" : ",")
                    .append("{\"movieId\": ")
                    .append(movie)
                    .append(", \"rating\": 4}");
        refused("/v1/predict", many.append("]}").toString(), "ratings: expected at most 2048 ratings, found 2049");
        String huge = "{\"userId\": 1, \"pad\": \"" + "x".repeat(Server.MAX_BODY) + "\"}";
        refused("/v1/predict", huge, "request body: expected at most 1048576 bytes (1 MiB)");
        ServedRun.Response chunked =
                server.postStream("/v1/predict", huge.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(400, chunked.status(), "without a Content-Length too");
        assertEquals("request body: expected at most 1048576 bytes (1 MiB)", chunked.error());
    }

    @Test
    void queryParametersAndRoutes() throws Exception {
        ServedRun.Response r = server.get("/v1/movies?limit=0");
        assertEquals(400, r.status());
        assertEquals("limit: expected 1 to 100, found 0", r.error());
        assertEquals(
                "limit: expected an integer, found \"ten\"",
                server.get("/v1/movies?limit=ten").error());
        assertEquals(
                "format: expected \"lists\" or \"base64\", found \"x\"",
                server.get("/v1/prompts?format=x").error());
        ServedRun.Response none = server.get("/v1/nothing");
        assertEquals(404, none.status());
        assertTrue(none.body().startsWith("{\"error\""), none.body());
        for (String path : List.of("/v1/predict", "/v1/embed"))
            assertTrue(server.get(path).status() == 404 || server.get(path).status() == 405, path);
        assertTrue(!server.process().output().contains("\tat "), "a stack trace in the server's output");
    }
}
