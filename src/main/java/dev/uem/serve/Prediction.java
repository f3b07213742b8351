package dev.uem.serve;

import java.util.List;
import java.util.Map;

/**
 * One user's answer: the generated sentence, the genres it names, the preference head's probabilities and the history
 * items behind each named genre.
 *
 * @param sentence  the decoded preference sentence
 * @param likes     the liked genres the sentence names, in its order
 * @param dislikes  the disliked genres the sentence names
 * @param parseable whether the sentence followed the task's template
 * @param scores    per label genre, the head's probability that the user likes and dislikes it (empty without a head)
 * @param why       per named genre, the history items the head counted most for it (empty without a counting head)
 * @param used      how many of the user's ratings the model read (the latest ones)
 */
public record Prediction(
        String sentence,
        List<String> likes,
        List<String> dislikes,
        boolean parseable,
        Map<String, GenreScore> scores,
        Map<String, List<Reason>> why,
        int used) {

    /** The head's probabilities for one genre. */
    public record GenreScore(double like, double dislike) {}

    /**
     * A history item that drove a genre.
     *
     * @param weight the counting head's gate for this item and genre, in (0, 1)
     */
    public record Reason(int movieId, String title, double rating, double weight) {}
}
