package dev.uem.experiment;

import dev.uem.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The sweep's picture: weighted F1 on the test users against history length. Trained arms (UEM, its preference-head
 * readout, its LM alone, text) are solid lines with markers; the references (counting over the shown window, the
 * window oracle) dashed; the history-independent ones (counting over the whole history, the prior) flat dashed lines.
 * Over several seeds each line is the mean with a shaded band of ± one standard deviation. JFreeChart, headless.
 */
public final class SweepPlot {
    private SweepPlot() {}

    private record Line(String label, Color colour, boolean dashed) {}

    private static final List<Line> LINES = List.of(
            new Line("UEM (soft tokens → T5, head fused in)", new Color(0x1f77b4), false),
            new Line("UEM preference head (no LM)", new Color(0x9467bd), false),
            new Line("UEM → T5, LM alone (no head fusion)", new Color(0x17becf), false),
            new Line("text history", new Color(0xd62728), false),
            new Line("counting (shown window)", new Color(0x7f7f7f), true),
            new Line("window oracle (label rule on the window)", new Color(0x2ca02c), true),
            new Line("counting (whole history)", Color.BLACK, true),
            new Line("prior (one constant guess)", new Color(0xff7f0e), true));

    private static int lineOf(ArmLabel a) {
        String name = a.name();
        return switch (a.kind()) {
            case "uem" -> 0;
            case "head" -> 1;
            case "lm" -> 2;
            case "text" -> 3;
            case "counting" -> name.equals(Arm.COUNTING_HISTORY) ? 6 : 4;
            default -> name.equals(Arm.PRIOR) ? 7 : 5;
        };
    }

    /** Draws {@code arms}' F1 against history length into {@code png} (900 × 560, written atomically). */
    public static void write(Path png, List<? extends ResultLine> arms, String title) {
        System.setProperty("java.awt.headless", "true");
        List<YIntervalSeries> series = new ArrayList<>();
        for (Line l : LINES) series.add(new YIntervalSeries(l.label()));
        double minP = Double.MAX_VALUE, maxP = 0;
        for (ResultLine a : arms)
            if (a.label().history() != null) {
                minP = Math.min(minP, a.label().history());
                maxP = Math.max(maxP, a.label().history());
            }
        for (ResultLine a : arms) {
            double f1 = a.f1(), sd = a.f1Std() == null ? 0 : a.f1Std();
            YIntervalSeries s = series.get(lineOf(a.label()));
            if (a.label().history() == null) { // history-independent: a flat line across the plotted range
                if (maxP > 0) {
                    s.add(minP, f1, f1 - sd, f1 + sd);
                    s.add(maxP, f1, f1 - sd, f1 + sd);
                }
            } else s.add(a.label().history(), f1, f1 - sd, f1 + sd);
        }
        render(png, series, maxP, title);
    }

    private static void render(Path png, List<YIntervalSeries> series, double maxP, String title) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        List<Line> shown = new ArrayList<>();
        for (int i = 0; i < LINES.size(); i++)
            if (series.get(i).getItemCount() > 0) {
                data.addSeries(series.get(i));
                shown.add(LINES.get(i));
            }
        JFreeChart chart = ChartFactory.createXYLineChart(
                title,
                "history length (items)",
                "weighted F1 (test users)",
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYPlot plot = chart.getXYPlot();
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setRange(0, maxP * 1.05 + 1);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        DeviationRenderer r = new DeviationRenderer(true, true);
        r.setAlpha(0.18f);
        BasicStroke solid = new BasicStroke(2.5f);
        BasicStroke dashed =
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
        for (int i = 0; i < shown.size(); i++) {
            Line l = shown.get(i);
            r.setSeriesPaint(i, l.colour());
            r.setSeriesFillPaint(i, l.colour());
            r.setSeriesStroke(i, l.dashed() ? dashed : solid);
            r.setSeriesShapesVisible(
                    i,
                    !l.dashed() || l.label().startsWith("window") || l.label().startsWith("counting (shown"));
        }
        plot.setRenderer(r);
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 560));
    }
}
