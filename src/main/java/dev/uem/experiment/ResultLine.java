package dev.uem.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * One line of a run's or sweep's results: one arm on one seed ({@link ArmResult}) or one arm's mean over seeds
 * ({@link SeedMean}). The methods are what the tables, the CSV and the plot show; their names are not JSON keys.
 */
public sealed interface ResultLine permits ArmResult, SeedMean {
    /** Which arm. */
    ArmLabel label();

    /** Weighted precision (over seeds: the mean). */
    double precision();

    /** Weighted recall (over seeds: the mean). */
    double recall();

    /** Weighted F1 (over seeds: the mean). */
    double f1();

    /** The sample standard deviation of F1 over seeds; null on a single seed's line. */
    Double f1Std();

    /** The share of unparseable generations (over seeds: the mean). */
    double unparseable();

    /** Distinct sentences generated on the test windows (over seeds: the mean); null for an arm that generates none. */
    Double distinctSentences();

    /** Micro-averaged F1; null on a line over seeds. */
    Double microF1();

    /** Macro-averaged F1; null on a line over seeds. */
    Double macroF1();

    /** Weighted F1 over the {@code likes:} labels; null on a line over seeds. */
    Double likesF1();

    /** Weighted F1 over the {@code dislikes:} labels; null on a line over seeds. */
    Double dislikesF1();

    /** The number of windows scored, as the CSV shows it (over seeds: the mean, truncated). */
    int examplesShown();

    /** Reads a line of {@code results.json} as the type it was written from: a line over seeds counts its seeds. */
    final class Reader extends JsonDeserializer<ResultLine> {
        @Override
        public ResultLine deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            JsonNode line = p.readValueAsTree();
            boolean overSeeds = p.getCodec().treeToValue(line, SeedCount.class).seeds() != null;
            Class<? extends ResultLine> type = overSeeds ? SeedMean.class : ArmResult.class;
            return p.getCodec().treeToValue(line, type);
        }
    }

    /** The one field that tells a line over seeds from a single seed's. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SeedCount(Integer seeds) {}
}
