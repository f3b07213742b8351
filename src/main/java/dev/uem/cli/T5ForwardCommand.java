package dev.uem.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uem.io.AtomicFiles;
import dev.uem.model.t5.CaseRunner;
import dev.uem.model.t5.SentenceT5;
import dev.uem.model.t5.T5Checkpoint;
import dev.uem.model.t5.T5Model;
import dev.uem.torch.Tensors;
import dev.uem.torch.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code uem t5-forward}: hold uem's T5 against HuggingFace on any checkpoint, case by case. */
@Command(
        name = "t5-forward",
        header = "Run golden-fixture cases through a T5 checkpoint, to compare with HuggingFace.",
        mixinStandardHelpOptions = true,
        description = {
            "Run every case of a cases.json (the golden-fixture format) through a T5 checkpoint folder",
            "and write encoder/decoder states, logits, loss and greedy sequences as JSON, so the numbers",
            "can be compared with HuggingFace's modeling_t5.py on the same checkpoint.",
            "With a 'sentence_t5' section and DIR/sentence_t5_dense.safetensors, sentence embeddings too."
        })
final class T5ForwardCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "HF checkpoint folder: config.json + model.safetensors (or sharded).")
    Path model;

    @Option(
            names = "--cases",
            required = true,
            paramLabel = "FILE",
            description = "cases.json with 'cases' (and optionally 'sentence_t5').")
    Path cases;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output JSON, written atomically.")
    Path out;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "8",
            description = "Greedy length when a case does not say (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public Integer call() throws IOException {
        TorchRuntime.init();
        if (!Files.isRegularFile(cases)) throw new IllegalArgumentException("--cases: no such file: " + cases);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(cases.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(cases + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.path("cases").isArray())
            throw new IllegalArgumentException(cases + ": expected an object with a 'cases' array");
        try (T5Model t5 = T5Checkpoint.load(model)) {
            AtomicFiles.write(out, stream -> {
                try (JsonGenerator g = new ObjectMapper().getFactory().createGenerator(stream, JsonEncoding.UTF8)) {
                    writeCases(g, t5, root);
                }
            });
        }
        System.out.println("wrote " + root.get("cases").size() + " cases to " + out);
        return 0;
    }

    private void writeCases(JsonGenerator g, T5Model t5, JsonNode root) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("cases");
        for (JsonNode c : root.get("cases")) {
            try (PointerScope scope = new PointerScope()) {
                CaseRunner.Result r = CaseRunner.run(t5, c, maxNewTokens);
                g.writeStartObject();
                g.writeStringField("name", r.name());
                writeTensor(g, "encoder_last_hidden_state", r.encoderHidden());
                writeTensor(g, "decoder_last_hidden_state", r.decoderHidden());
                writeTensor(g, "logits", r.logits());
                g.writeNumberField("loss", r.loss());
                g.writeArrayFieldStart("greedy_sequences");
                for (long[] row : r.greedy().sequences()) g.writeArray(row, 0, row.length);
                g.writeEndArray();
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        if (root.has("sentence_t5") && SentenceT5.present(model)) writeSentenceT5(g, root.get("sentence_t5"));
        g.writeEndObject();
    }

    private void writeSentenceT5(JsonGenerator g, JsonNode section) throws IOException {
        g.writeArrayFieldStart("sentence_t5");
        try (SentenceT5 st5 = SentenceT5.load(model)) {
            st5.eval();
            for (JsonNode c : section.path("cases")) {
                try (PointerScope scope = new PointerScope();
                        NoGradGuard ng = new NoGradGuard()) {
                    SentenceT5.Embedding e = st5.embed(
                            CaseRunner.longMatrix(c, "input_ids"), CaseRunner.longMatrix(c, "attention_mask"));
                    g.writeStartObject();
                    g.writeStringField("name", c.path("name").asText("?"));
                    writeTensor(g, "embedding", e.normalized());
                    g.writeEndObject();
                }
            }
        }
        g.writeEndArray();
    }

    static void writeTensor(JsonGenerator g, String field, Tensor t) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) g.writeNumber(d);
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (float v : Tensors.toFloats(t)) g.writeNumber(v);
        g.writeEndArray();
        g.writeEndObject();
    }
}
