package dev.uem.model.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uem.testing.Golden;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SentenceT5GoldenTest {
    @BeforeAll
    static void init() {
        TorchRuntime.init();
    }

    @Test
    void pooledProjectedAndNormalisedVectorsMatchHf() {
        String model = "t5_v1_1_gated_gelu";
        JsonNode section = Golden.cases(model).get("sentence_t5");
        int n = 0;
        try (PointerScope scope = new PointerScope();
                SentenceT5 st5 = SentenceT5.load(Golden.dir(model));
                NoGradGuard g = new NoGradGuard()) {
            st5.eval();
            for (JsonNode c : section.get("cases")) {
                SentenceT5.Embedding e =
                        st5.embed(CaseRunner.longMatrix(c, "input_ids"), CaseRunner.longMatrix(c, "attention_mask"));
                String name = "sentence_t5/" + c.get("name").asText();
                Golden.assertClose(
                        name + " mean_pooled",
                        e.meanPooled().shape(),
                        Tensors.toFloats(e.meanPooled()),
                        c.get("expected").get("mean_pooled"));
                Golden.assertClose(
                        name + " dense",
                        e.dense().shape(),
                        Tensors.toFloats(e.dense()),
                        c.get("expected").get("dense"));
                Golden.assertClose(
                        name + " embedding",
                        e.normalized().shape(),
                        Tensors.toFloats(e.normalized()),
                        c.get("expected").get("embedding"));
                n++;
            }
        }
        assertEquals(section.get("cases").size(), n);
    }
}
