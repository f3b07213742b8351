package dev.uem.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One arm's results averaged over the seeds of a sweep: a line of its {@code results.json}.
 *
 * @param label             which arm
 * @param precision         mean weighted precision
 * @param recall            mean weighted recall
 * @param f1                mean weighted F1
 * @param unparseable       mean unparseable share
 * @param f1Std             sample standard deviation of F1 over the seeds (0 for one seed)
 * @param seeds             how many seeds
 * @param f1PerSeed         each seed's F1, in seed order
 * @param distinctOutputs   mean distinct sentences on the test windows; null for an arm that generates none
 * @param examples          mean number of windows scored
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SeedMean(
        @JsonUnwrapped ArmLabel label,
        double precision,
        double recall,
        double f1,
        double unparseable,
        Double f1Std,
        int seeds,
        List<Double> f1PerSeed,
        Double distinctOutputs,
        double examples)
        implements ResultLine {
    /** The mean of one arm's lines, one per seed; the first line's label names the arm. */
    public static SeedMean of(List<ArmResult> same) {
        double m = mean(same, ArmResult::f1), ss = 0;
        for (ArmResult l : same) ss += Math.pow(l.f1() - m, 2);
        double std = same.size() > 1 ? Math.sqrt(ss / (same.size() - 1)) : 0.0;
        ArmResult first = same.get(0);
        Double distinct = first.distinctOutputs() == null ? null : mean(same, l -> l.distinctOutputs());
        return new SeedMean(
                first.label(),
                mean(same, ArmResult::precision),
                mean(same, ArmResult::recall),
                m,
                mean(same, ArmResult::unparseable),
                std,
                same.size(),
                same.stream().map(ArmResult::f1).toList(),
                distinct,
                mean(same, l -> l.scores().examples()));
    }

    private static double mean(List<ArmResult> lines, ToDoubleFunction<ArmResult> value) {
        return lines.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    @Override
    public Double distinctSentences() {
        return distinctOutputs;
    }

    @Override
    public Double microF1() {
        return null;
    }

    @Override
    public Double macroF1() {
        return null;
    }

    @Override
    public Double likesF1() {
        return null;
    }

    @Override
    public Double dislikesF1() {
        return null;
    }

    @Override
    public int examplesShown() {
        return (int) examples;
    }
}
