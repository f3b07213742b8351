package dev.uem.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A request body naming a user turned into the history the model reads: either {@code {"ratings": [{"movieId": 1,
 * "rating": 4.5, "timestamp": 964982703}, ...]}} (timestamps on every rating or none; without them the list order is
 * the time order) or {@code {"userId": 42}} (a dataset user), optionally with {@code "history": p} to read only the
 * latest p ratings. Every refusal is a {@link BadRequest} naming the field.
 */
public final class UserRequests {
    /** The most ratings one request may carry. */
    public static final int MAX_RATINGS = 2048;

    private static final Set<String> FIELDS = Set.of("ratings", "userId", "history", "format");
    private static final Set<String> RATING_FIELDS = Set.of("movieId", "rating", "timestamp");

    private final Dataset dataset;
    private final int runHistory;

    /** @param runHistory the run's history length p, the most ratings the model reads */
    public UserRequests(Dataset dataset, int runHistory) {
        this.dataset = dataset;
        this.runHistory = runHistory;
    }

    /** The latest ratings the model reads for the user the body names, oldest first. */
    public List<Dataset.Entry> history(JsonNode body) {
        if (body == null || !body.isObject())
            throw new BadRequest("request body: expected a JSON object, found " + kind(body));
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f))
                throw new BadRequest("request body: unknown field \"" + f + "\" (expected ratings or userId)");
        }
        boolean ratings = body.has("ratings"), user = body.has("userId");
        if (ratings == user)
            throw new BadRequest("request body: expected one of \"ratings\" and \"userId\", found "
                    + (ratings ? "both" : "neither"));
        List<Dataset.Entry> all = ratings ? ratings(body.get("ratings")) : datasetUser(body.get("userId"));
        int p = body.has("history") ? intIn(body.get("history"), "history", 1, runHistory) : runHistory;
        return HistoryFile.latest(all, p);
    }

    /** A dataset user's whole history, oldest first. */
    public List<Dataset.Entry> datasetUser(JsonNode id) {
        int user = intIn(id, "userId", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (!dataset.hasUser(user))
            throw new BadRequest("userId: no user " + user + " in the dataset "
                    + dataset.dir().getFileName());
        return dataset.history(user);
    }

    private List<Dataset.Entry> ratings(JsonNode list) {
        if (!list.isArray()) throw new BadRequest("ratings: expected an array, found " + kind(list));
        if (list.isEmpty()) throw new BadRequest("ratings: expected at least one rating, found none");
        if (list.size() > MAX_RATINGS)
            throw new BadRequest("ratings: expected at most " + MAX_RATINGS + " ratings, found " + list.size());
        boolean timed = list.get(0).isObject() && list.get(0).has("timestamp");
        List<Dataset.Entry> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) out.add(rating(list.get(i), "ratings[" + i + "]", timed, i));
        distinct(out, i -> "ratings[" + i + "].movieId");
        if (timed) out.sort(Comparator.comparingLong(Dataset.Entry::timestamp)); // stable: ties keep list order
        return out;
    }

    private Dataset.Entry rating(JsonNode r, String at, boolean timed, int index) {
        if (!r.isObject()) throw new BadRequest(at + ": expected an object, found " + kind(r));
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!RATING_FIELDS.contains(f))
                throw new BadRequest(at + ": unknown field \"" + f + "\" (expected movieId, rating, timestamp)");
        }
        int movie = intIn(required(r, "movieId", at), at + ".movieId", Integer.MIN_VALUE, Integer.MAX_VALUE);
        double rating = stars(required(r, "rating", at), at + ".rating");
        if (r.has("timestamp") != timed)
            throw new BadRequest(at + ".timestamp: expected on every rating or on none, found "
                    + (timed ? "none" : "one") + " here");
        long ts = timed ? timestamp(r.get("timestamp"), at + ".timestamp") : index;
        return entry(movie, rating, ts, at);
    }

    /** A rating of a dataset movie on the dataset's scale; {@code at} names the field in errors. */
    public Dataset.Entry entry(int movie, double rating, long timestamp, String at) {
        if (dataset.movie(movie) == null)
            throw new BadRequest(at + ".movieId: " + movie + " is not a movie of the dataset");
        if (!HistoryFile.onScale(rating))
            throw new BadRequest(at + ".rating: expected 0.5 to 5.0 in steps of 0.5, found " + rating);
        return new Dataset.Entry(movie, rating, timestamp);
    }

    private static JsonNode required(JsonNode r, String field, String at) {
        JsonNode v = r.get(field);
        if (v == null || v.isNull()) throw new BadRequest(at + "." + field + ": missing");
        return v;
    }

    private static double stars(JsonNode v, String at) {
        if (!v.isNumber()) throw new BadRequest(at + ": expected a number, found " + kind(v));
        return v.asDouble();
    }

    /** An integer field in {@code [min, max]}. */
    public static int intIn(JsonNode v, String at, int min, int max) {
        if (v == null || v.isNull()) throw new BadRequest(at + ": missing");
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new BadRequest(at + ": expected an integer, found " + kind(v));
        int i = v.asInt();
        if (i < min || i > max) throw new BadRequest(at + ": expected " + min + " to " + max + ", found " + i);
        return i;
    }

    /** A timestamp field: an integer of 0 or more (seconds). */
    public static long timestamp(JsonNode v, String at) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong())
            throw new BadRequest(at + ": expected an integer, found " + kind(v));
        if (v.asLong() < 0) throw new BadRequest(at + ": expected 0 or more, found " + v.asLong());
        return v.asLong();
    }

    /** Refuses a movie rated twice in one history ({@code at.apply(i)} names entry i). */
    public static void distinct(List<Dataset.Entry> entries, java.util.function.IntFunction<String> at) {
        java.util.Map<Integer, Integer> first = new java.util.HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Integer before = first.putIfAbsent(entries.get(i).movieId(), i);
            if (before != null)
                throw new BadRequest(at.apply(i) + ": movie " + entries.get(i).movieId() + " is rated twice (also "
                        + at.apply(before) + ")");
        }
    }

    /** A JSON value's kind and, when short, the value itself, for error messages. */
    public static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        String text = v.toString();
        String type = v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        return text.length() <= 40 ? type + " " + text : type;
    }
}
