package dev.uem.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Which arm a line of results belongs to: the first three keys of every line.
 *
 * @param name    the arm's name, e.g. {@code uem-50} or {@code counting-history}
 * @param kind    its kind in lower case: {@code uem}, {@code head}, {@code lm}, {@code text}, {@code counting} or
 *                {@code reference}
 * @param history its history length; null (written as {@code null}, never left out) for a history-independent arm
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ArmLabel(
        String name,
        String kind,
        @JsonInclude(JsonInclude.Include.ALWAYS) Integer history) {
    /** The label of an arm; a history of 0 means the arm reads no history window. */
    public static ArmLabel of(Arm arm) {
        return new ArmLabel(arm.name(), arm.kind().name().toLowerCase(), arm.history() > 0 ? arm.history() : null);
    }
}
