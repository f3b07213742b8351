package dev.uem.data;

/** The three texts of a history entry (docs/TASK.md §6), and the instruction the model is given. */
public final class ItemTexts {
    public static final String INSTRUCTION =
            "Which movie genres does this user like, and which does the user not like?";
    public static final String NO_DESCRIPTION = "No description available.";

    private ItemTexts() {}

    /** {@code The movie {title} is listed with genres {G}}; G joined by ", " or {@code no genres}. */
    public static String titleAndGenres(Movie m) {
        String g = m.genres().stream()
                .filter(x -> !x.equals("(no genres listed)"))
                .reduce((a, b) -> a + ", " + b)
                .orElse("no genres");
        return "The movie " + m.title() + " is listed with genres " + g;
    }

    /** {@code The movie is rated with {r} stars}, r written as {@code 4} or {@code 4.5}. */
    public static String rating(double r) {
        return "The movie is rated with " + formatRating(r) + " stars";
    }

    public static String formatRating(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }

    public static String description(Movie m) {
        return m.description() == null ? NO_DESCRIPTION : m.description();
    }
}
