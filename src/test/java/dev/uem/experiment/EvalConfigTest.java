package dev.uem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** When the LM alone is decoded besides the fused decoding, and how an older config reads. */
class EvalConfigTest {
    @Test
    void theLmAloneWhenAskedForOrCheap() {
        EvalConfig auto = new EvalConfig(32, 8.0);
        assertTrue(auto.decodesLmAlone(EvalConfig.AUTO_LIMIT), "the bundled data's evaluation: cheap");
        assertFalse(auto.decodesLmAlone(EvalConfig.AUTO_LIMIT + 1), "10k users' evaluation: not by default");
        assertTrue(new EvalConfig(32, 8.0, 0, 0, EvalConfig.LmAlone.ON).decodesLmAlone(50_000));
        assertFalse(new EvalConfig(32, 8.0, 0, 0, EvalConfig.LmAlone.OFF).decodesLmAlone(10));
    }

    @Test
    void aConfigWrittenBeforeTheFieldsReadsAsBefore() throws Exception {
        EvalConfig old =
                new ObjectMapper().readValue("{\"max_new_tokens\": 32, \"head_fusion\": 8.0}", EvalConfig.class);
        assertEquals(new EvalConfig(32, 8.0), old);
        assertEquals(EvalConfig.LmAlone.AUTO, old.lmAlone());
        assertEquals(0, old.evalUsers());
    }
}
