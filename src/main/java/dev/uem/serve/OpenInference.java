package dev.uem.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.data.Dataset;
import dev.uem.data.HistoryFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol (KServe v2) view of the model {@code uem}: one user per request, either the tensors
 * {@code movie_ids} (INT64), {@code ratings} (FP32) and optionally {@code timestamps} (INT64), all of shape [n], or
 * {@code user_id} (INT64, shape [1]); the outputs {@code sentence}, {@code likes}, {@code dislikes} (BYTES) and
 * {@code like_scores}, {@code dislike_scores} (FP32, one per label genre, in {@code genres}' order).
 */
public final class OpenInference {
    /** The model's name in the protocol's paths. */
    public static final String MODEL = "uem";

    private final UserRequests requests;
    private final List<String> genres;
    private final int history;

    public OpenInference(UserRequests requests, List<String> labelGenres, int history) {
        this.requests = requests;
        this.genres = labelGenres;
        this.history = history;
    }

    /** {@code GET /v2/models/uem}: the model's metadata. */
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", MODEL);
        m.put("versions", List.of("1"));
        m.put("platform", "uem-libtorch");
        m.put(
                "inputs",
                List.of(
                        tensor("movie_ids", "INT64", -1),
                        tensor("ratings", "FP32", -1),
                        tensor("timestamps", "INT64", -1),
                        tensor("user_id", "INT64", 1)));
        m.put(
                "outputs",
                List.of(
                        tensor("sentence", "BYTES", 1),
                        tensor("likes", "BYTES", -1),
                        tensor("dislikes", "BYTES", -1),
                        tensor("like_scores", "FP32", genres.size()),
                        tensor("dislike_scores", "FP32", genres.size())));
        m.put("parameters", Map.of("genres", genres, "history", history));
        return m;
    }

    private static Map<String, Object> tensor(String name, String type, int size) {
        return Map.of("name", name, "datatype", type, "shape", List.of(size));
    }

    /** The history an infer request names (latest p ratings), or a {@link BadRequest} naming the input. */
    public List<Dataset.Entry> history(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("inputs").isArray())
            throw new BadRequest("inputs: expected an array of input tensors, found "
                    + UserRequests.kind(body == null ? null : body.get("inputs")));
        Map<String, JsonNode> in = new LinkedHashMap<>();
        for (JsonNode t : body.get("inputs")) {
            String name = t.path("name").asText("");
            if (!List.of("movie_ids", "ratings", "timestamps", "user_id").contains(name))
                throw new BadRequest("inputs: unknown input \"" + name + "\" (expected movie_ids, ratings, "
                        + "timestamps or user_id)");
            String type = t.path("datatype").asText("");
            String wanted = name.equals("ratings") ? "FP32" : "INT64";
            if (!t.path("datatype").isMissingNode() && !type.equals(wanted))
                throw new BadRequest("inputs[" + name + "].datatype: expected " + wanted + ", found \"" + type + "\"");
            if (in.put(name, data(t, name)) != null) throw new BadRequest("inputs: \"" + name + "\" given twice");
        }
        List<Dataset.Entry> all;
        if (in.containsKey("user_id")) {
            if (in.size() > 1) throw new BadRequest("inputs: user_id comes alone, found " + in.keySet());
            if (in.get("user_id").size() != 1) throw new BadRequest("inputs[user_id].shape: expected [1]");
            all = requests.datasetUser(in.get("user_id").get(0));
        } else all = ratings(in);
        return HistoryFile.latest(all, history);
    }

    private static JsonNode data(JsonNode tensor, String name) {
        JsonNode d = tensor.get("data");
        if (d == null || !d.isArray())
            throw new BadRequest("inputs[" + name + "].data: expected an array, found " + UserRequests.kind(d));
        JsonNode shape = tensor.get("shape");
        if (shape != null
                && (!shape.isArray() || shape.size() != 1 || shape.get(0).asLong() != d.size()))
            throw new BadRequest("inputs[" + name + "].shape: expected [" + d.size() + "], found " + shape);
        return d;
    }

    private List<Dataset.Entry> ratings(Map<String, JsonNode> in) {
        JsonNode ids = in.get("movie_ids"), stars = in.get("ratings"), times = in.get("timestamps");
        if (ids == null || stars == null)
            throw new BadRequest("inputs: expected movie_ids and ratings, or user_id, found " + in.keySet());
        int n = ids.size();
        if (n == 0) throw new BadRequest("inputs[movie_ids].data: expected at least one rating, found none");
        if (n > UserRequests.MAX_RATINGS)
            throw new BadRequest(
                    "inputs[movie_ids].data: expected at most " + UserRequests.MAX_RATINGS + " ratings, found " + n);
        for (var e : Map.of("ratings", stars, "timestamps", times == null ? ids : times)
                .entrySet())
            if (e.getValue().size() != n)
                throw new BadRequest("inputs[" + e.getKey() + "].data: expected " + n + " values (as movie_ids), "
                        + "found " + e.getValue().size());
        List<Dataset.Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String at = "inputs[" + i + "]";
            int movie = UserRequests.intIn(ids.get(i), "inputs[movie_ids].data[" + i + "]", 0, Integer.MAX_VALUE);
            if (!stars.get(i).isNumber())
                throw new BadRequest(
                        "inputs[ratings].data[" + i + "]: expected a number, found " + UserRequests.kind(stars.get(i)));
            long ts = times == null ? i : UserRequests.timestamp(times.get(i), "inputs[timestamps].data[" + i + "]");
            out.add(requests.entry(movie, stars.get(i).asDouble(), ts, at));
        }
        UserRequests.distinct(out, i -> "inputs[movie_ids].data[" + i + "]");
        if (times != null) out.sort(Comparator.comparingLong(Dataset.Entry::timestamp));
        return out;
    }

    /** The infer response for one prediction. */
    public Map<String, Object> response(String id, Prediction p) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model_name", MODEL);
        r.put("model_version", "1");
        if (id != null) r.put("id", id);
        List<Map<String, Object>> outputs = new ArrayList<>();
        outputs.add(output("sentence", "BYTES", List.of(p.sentence())));
        outputs.add(output("likes", "BYTES", p.likes()));
        outputs.add(output("dislikes", "BYTES", p.dislikes()));
        if (!p.scores().isEmpty()) { // a run without a preference head has no scores
            double[] like = new double[genres.size()], dislike = new double[genres.size()];
            for (int g = 0; g < genres.size(); g++) {
                like[g] = p.scores().get(genres.get(g)).like();
                dislike[g] = p.scores().get(genres.get(g)).dislike();
            }
            outputs.add(output("like_scores", "FP32", like));
            outputs.add(output("dislike_scores", "FP32", dislike));
        }
        r.put("outputs", outputs);
        return r;
    }

    private static Map<String, Object> output(String name, String type, Object data) {
        int n = data instanceof double[] a ? a.length : ((List<?>) data).size();
        return Map.of("name", name, "datatype", type, "shape", List.of(n), "data", data);
    }
}
