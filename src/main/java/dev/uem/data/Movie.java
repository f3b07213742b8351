package dev.uem.data;

import java.util.List;

/** A movie as the dataset lists it; {@code description} is null when no plot overview is known. */
public record Movie(int id, String title, List<String> genres, String description) {
    public Movie withDescription(String d) {
        return new Movie(id, title, genres, d);
    }
}
