package dev.uem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.testing.ServedRun;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page at {@code /}, driven in headless Chromium against a served tiny run: what it shows after rating movies or
 * loading a dataset user must be what {@code POST /v1/predict} answers for the same input, and errors must show.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PageBrowserIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static ServedRun served;
    private static ChromeDriverService service;
    private static WebDriver driver;

    @BeforeAll
    static void start(@TempDir Path profile) throws Exception {
        served = ServedRun.shared();
        // Debian's chromium and chromedriver, named outright so that Selenium Manager never downloads anything
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        // the performance log carries the requests the page sends, bodies included
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (service != null) service.stop();
        }
    }

    @Test
    void ratingMoviesShowsWhatTheApiPredictsForThem() throws Exception {
        Map<Integer, String> titles = new HashMap<>();
        for (JsonNode m : call("/v1/movies?limit=100", null).body)
            titles.put(m.get("id").asInt(), m.get("title").asText());
        List<Integer> ids =
                served.movieIds().subList(0, Math.min(5, served.movieIds().size()));
        assertTrue(ids.size() >= 3, "the fixture offers too few movies: " + ids);
        double[] stars = {5.0, 1.0, 4.5, 2.0, 3.5};

        driver.get(served.url() + "/");
        ArrayNode sent = JSON.createArrayNode();
        for (int i = 0; i < ids.size(); i++) {
            int id = ids.get(i);
            String title = titles.get(id);
            assertNotNull(title, "GET /v1/movies does not list movie " + id);
            String query = query(title);
            WebElement search = byTestId("movie-search");
            search.clear();
            search.sendKeys(query);
            By hit = By.cssSelector("#results[data-query='" + query.replace("'", "\\'") + "'] "
                    + "[data-testid=movie-result][data-movie-id='" + id + "']");
            waiting().ignoring(StaleElementReferenceException.class).until(d -> {
                d.findElement(hit).click();
                return byTestId("add-rating").isEnabled();
            });
            String rating = String.format(Locale.ROOT, "%.1f", stars[i]);
            new Select(byTestId("rating-input")).selectByValue(rating);
            byTestId("add-rating").click();
            sent.addObject().put("movieId", id).put("rating", stars[i]);
            int added = i + 1;
            waiting().until(d -> testIds("rated-movie").size() == added);
        }
        List<Integer> listed = new ArrayList<>();
        for (WebElement e : testIds("rated-movie")) listed.add(Integer.valueOf(e.getDomAttribute("data-movie-id")));
        assertEquals(ids, listed, "the rated movies, in the order they were added");

        driver.manage().logs().get(LogType.PERFORMANCE); // drops what came before
        byTestId("predict").click();
        awaitPrediction();
        ObjectNode body = JSON.createObjectNode();
        body.set("ratings", sent);
        assertEquals(normalised(body), normalised(JSON.readTree(postedTo("/v1/predict"))), "the body the page sent");
        assertShows(call("/v1/predict", body.toString()).ok());
    }

    @Test
    void userInTheAddressIsPredictedOnLoad() throws Exception {
        int user = served.someUser();
        driver.get(served.url() + "/?user=" + user);
        awaitPrediction();
        JsonNode expected = call("/v1/predict", "{\"userId\": " + user + "}").ok();
        assertShows(expected);
        assertEquals(String.valueOf(user), byTestId("user-id").getDomProperty("value"));
        int named = expected.get("likes").size() + expected.get("dislikes").size();
        int items = byTestId("why")
                .findElements(By.cssSelector("[data-testid=why-item]"))
                .size();
        if (named > 0)
            assertTrue(
                    items >= 1,
                    "no why items for named genres: " + byTestId("why").getText());
        int reasons = 0;
        for (JsonNode genre : expected.path("why")) reasons += genre.size();
        assertEquals(reasons, items, "why items shown");
    }

    @Test
    void unknownUserShowsTheServersError() throws Exception {
        String error = call("/v1/predict", "{\"userId\": 999999999}").error(400);
        driver.get(served.url() + "/");
        byTestId("user-id").sendKeys("999999999");
        byTestId("load-user").click();
        waiting().until(d -> "error".equals(byTestId("sentence").getDomAttribute("data-state")));
        WebElement message = byTestId("message");
        assertTrue(message.isDisplayed(), "the message area is hidden");
        assertEquals(error, message.getText());
        assertTrue(
                byTestId("sentence").getText().contains(error),
                byTestId("sentence").getText());
        assertTrue(
                testIds("like-genre").isEmpty() && testIds("dislike-genre").isEmpty(), "genres shown after an error");
    }

    /** The shown sentence and genre chips are the API's. */
    private static void assertShows(JsonNode expected) {
        assertEquals(expected.get("sentence").asText(), byTestId("sentence").getText());
        assertEquals(strings(expected.get("likes")), texts("likes", "like-genre"), "liked genres");
        assertEquals(strings(expected.get("dislikes")), texts("dislikes", "dislike-genre"), "disliked genres");
    }

    /** The body of the one request the page POSTed to {@code path} since the performance log was last read. */
    private static String postedTo(String path) throws IOException {
        List<String> bodies = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode m = JSON.readTree(e.getMessage()).path("message");
            JsonNode request = m.path("params").path("request");
            if (m.path("method").asText().equals("Network.requestWillBeSent")
                    && request.path("method").asText().equals("POST")
                    && URI.create(request.path("url").asText()).getPath().equals(path))
                bodies.add(request.path("postData").asText());
        }
        assertEquals(1, bodies.size(), "POSTs to " + path + ": " + bodies);
        return bodies.get(0);
    }

    /** The ratings of a predict body as "movieId:stars" in order, whether the stars were written 5 or 5.0. */
    private static List<String> normalised(JsonNode body) {
        List<String> out = new ArrayList<>();
        body.path("ratings")
                .forEach(r -> out.add(
                        r.path("movieId").asInt() + ":" + r.path("rating").asDouble()));
        assertFalse(out.isEmpty(), "no ratings in " + body);
        return out;
    }

    /** Waits for the page to finish predicting; fails with the page's error when it shows one. */
    private static void awaitPrediction() {
        waiting()
                .until(d -> List.of("done", "error")
                        .contains(String.valueOf(byTestId("sentence").getDomAttribute("data-state"))));
        assertEquals(
                "done",
                byTestId("sentence").getDomAttribute("data-state"),
                "the page shows an error: " + byTestId("sentence").getText());
    }

    /** A few words of the title, without its year: enough for the search to find it among the most-rated. */
    private static String query(String title) {
        String[] words = title.replaceAll("\\s*\\(\\d{4}\\)\\s*$", "")
                .toLowerCase(Locale.ROOT)
                .split("\\s+");
        return String.join(" ", List.of(words).subList(0, Math.min(3, words.length)));
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(driver, WAIT);
    }

    private static WebElement byTestId(String id) {
        return driver.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    private static List<WebElement> testIds(String id) {
        return driver.findElements(By.cssSelector("[data-testid='" + id + "']"));
    }

    private static List<String> texts(String container, String item) {
        return byTestId(container).findElements(By.cssSelector("[data-testid='" + item + "']")).stream()
                .map(WebElement::getText)
                .toList();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private record Answer(int status, JsonNode body) {
        JsonNode ok() {
            assertEquals(200, status, "API answer " + body);
            return body;
        }

        String error(int expected) {
            assertEquals(expected, status, "API answer " + body);
            assertFalse(body.path("error").asText().isBlank(), "no error line in " + body);
            return body.get("error").asText();
        }
    }

    /** GET {@code path}, or POST {@code json} to it. */
    private static Answer call(String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(served.url() + path)).timeout(WAIT);
        if (json != null) b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }
}
