package dev.uem.bench;

import dev.uem.data.Dataset;
import dev.uem.data.Examples;
import dev.uem.data.LabelSpace;
import dev.uem.data.UserSplit;
import dev.uem.embed.ItemEmbeddings;
import dev.uem.io.AtomicFiles;
import dev.uem.model.Batch;
import dev.uem.model.BatchSource;
import dev.uem.model.PreferenceModel;
import dev.uem.model.TextHistoryModel;
import dev.uem.model.t5.T5Config;
import dev.uem.model.t5.T5Model;
import dev.uem.model.uem.PreferenceReadout;
import dev.uem.model.uem.UemConfig;
import dev.uem.model.uem.UemModelSpec;
import dev.uem.text.T5Tokenizer;
import dev.uem.torch.Modules;
import dev.uem.train.BatchBuilder;
import dev.uem.train.FusedAdamW;
import dev.uem.train.TargetVocabulary;
import dev.uem.train.TextBatchBuilder;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Cost curves: time per training example and peak memory of a training step (forward, backward, clip, AdamW; the
 * default t5-compact with the task vocabulary, the mini UEM) against the history length p for the UEM arm and the text
 * arm, and against the batch size at p = 50. Peak memory is the process's resident high-water mark over the point's
 * steps, reset before each point ({@code /proc/self/clear_refs}, Linux), so it includes the JVM and the model.
 */
public final class ScalingBench {
    /** One measured point. */
    public record Point(String arm, int history, int batch, int textTokens, double msPerExample, double peakMiB) {}

    /**
     * Text budget per history item for the text arm's curve: an item written out (title, genres, rating, description)
     * is ~80-110 tokens, so the arm's default 512-token budget holds only ~5 items; the curve gives each point room for
     * all of its p items, to show how the cost grows with the tokens.
     */
    public static final int TOKENS_PER_ITEM = 110;

    private final Dataset dataset;
    private final ItemEmbeddings items;
    private final T5Tokenizer tokenizer;
    private final int[] trainUsers;

    public ScalingBench(Dataset dataset, ItemEmbeddings items, T5Tokenizer tokenizer) {
        this.dataset = dataset;
        this.items = items;
        this.tokenizer = tokenizer;
        this.trainUsers = UserSplit.of(dataset.userIds(), 0).users(UserSplit.Part.TRAIN);
    }

    /**
     * Median ms per example over {@code steps} timed steps (after 2 untimed) and the peak RSS, for one arm and shape.
     */
    public Point measure(boolean uem, int history, int batch, int steps, int textBudget) {
        List<Examples.Window> windows = Examples.windows(dataset, trainUsers, history, true, 0, 1, 0);
        if (windows.size() < batch)
            throw new IllegalArgumentException("only " + windows.size() + " windows of history " + history);
        T5Config c = T5Config.t5Compact();
        TargetVocabulary grammar = TargetVocabulary.of(dataset, tokenizer);
        resetPeak();
        torch.manual_seed(0);
        PreferenceModel model;
        BatchSource source;
        if (uem) {
            UemModelSpec spec = new UemModelSpec(
                    c,
                    UemConfig.mini(items.rowWidth(), c.dModel(), history),
                    LabelSpace.of(dataset).size(),
                    PreferenceReadout.Kind.GENRE_COUNT_INTERACTION,
                    1.0,
                    true,
                    grammar.tokens(),
                    grammar.genreStarts());
            model = spec.build(T5Model.create(c, 0));
            source = new BatchBuilder(dataset, items, tokenizer);
        } else {
            T5Model t5 = T5Model.create(c, 0).restrictOutput(grammar.tokens()).limitRepeats(grammar.genreStarts());
            model = new TextHistoryModel(t5);
            source = new TextBatchBuilder(dataset, tokenizer, textBudget);
        }
        List<Tensor> params =
                new ArrayList<>(Modules.namedParameters(model.module()).values());
        try (model;
                FusedAdamW opt = new FusedAdamW(List.of(params), new double[] {1e-4}, 0.01)) {
            model.module().train(true);
            double[] ms = new double[steps];
            long tokens = 0;
            for (int i = 0; i < steps + 2; i++) {
                int from = (i * batch) % (windows.size() - batch + 1); // a different batch each step
                List<Examples.Window> w = windows.subList(from, from + batch);
                long t0 = System.nanoTime();
                try (PointerScope scope = new PointerScope()) {
                    Batch batchTensors = source.build(w);
                    tokens = batchTensors.textIds().size(1);
                    Tensor loss = model.loss(batchTensors);
                    model.backward(loss);
                    opt.step(FusedAdamW.clipScale(opt.gradientNorm(), 1.0)); // the trainer's clipping and AdamW
                    opt.zeroGrad();
                }
                if (i >= 2) ms[i - 2] = (System.nanoTime() - t0) / 1e6;
            }
            java.util.Arrays.sort(ms);
            return new Point(
                    uem ? "uem" : "text", history, batch, uem ? 0 : (int) tokens, ms[steps / 2] / batch, peakMiB());
        }
    }

    /**
     * Returns freed native memory to the system ({@code malloc_trim}: the previous point's model and batches were
     * freed, but glibc keeps the pages) and resets the resident high-water mark (Linux 4.0+), so each point's peak is
     * its own.
     */
    private static void resetPeak() {
        System.gc();
        org.bytedeco.javacpp.Pointer.trimMemory();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux: the peak below is then cumulative
        }
    }

    private static double peakMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Double.NaN;
    }

    /** Two curves (UEM, text) of {@code y} against {@code x} as a PNG. */
    public static void plot(
            Path png,
            String title,
            String xLabel,
            String yLabel,
            List<Point> points,
            boolean byHistory,
            boolean memory) {
        System.setProperty("java.awt.headless", "true");
        XYSeries uem = new XYSeries("UEM arm (one soft token per item)"),
                text = new XYSeries("text arm (history as tokens)");
        for (Point p : points)
            (p.arm().equals("uem") ? uem : text)
                    .add(byHistory ? p.history() : p.batch(), memory ? p.peakMiB() : p.msPerExample());
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(uem);
        data.addSeries(text);
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        org.jfree.chart.renderer.xy.XYLineAndShapeRenderer r =
                new org.jfree.chart.renderer.xy.XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, new Color(0x1f77b4));
        r.setSeriesPaint(1, new Color(0xd62728));
        plot.setRenderer(r);
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 800, 500));
    }

    /** The points as a Markdown table. */
    public static String table(List<Point> points) {
        StringBuilder sb = new StringBuilder("| arm | history p | batch | text tokens (longest in "
                + "the batch) | ms per training example | peak RSS MiB |\n|---|---|---|---|---|---|\n");
        for (Point p : points)
            sb.append(String.format(
                    "| %s | %d | %d | %s | %.1f | %.0f |%n",
                    p.arm(),
                    p.history(),
                    p.batch(),
                    p.arm().equals("uem") ? "–" : String.valueOf(p.textTokens()),
                    p.msPerExample(),
                    p.peakMiB()));
        return sb.toString();
    }

    /**
     * Every point: the UEM arm at {@code uemHistories} and the text arm at {@code textHistories} (each with room for
     * all its items), batch 16; then both against {@code batches} at their default shapes (UEM p = 50; text p = 5 in
     * the default 512-token budget).
     */
    public List<Point> run(
            int[] uemHistories,
            int[] textHistories,
            int[] batches,
            int steps,
            java.util.function.Consumer<String> log) {
        List<Point> out = new ArrayList<>();
        for (int p : uemHistories) add(out, measure(true, p, 16, steps, 0), log);
        for (int p : textHistories)
            add(out, measure(false, p, 16, steps, Math.min(8192, TOKENS_PER_ITEM * p + 64)), log);
        for (int b : batches) add(out, measure(true, 50, b, steps, 0), log);
        for (int b : batches) add(out, measure(false, 5, b, steps, TextBatchBuilder.DEFAULT_BUDGET), log);
        return out;
    }

    private static void add(List<Point> out, Point p, java.util.function.Consumer<String> log) {
        out.add(p);
        log.accept(p.toString());
    }
}
