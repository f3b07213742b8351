package dev.uem.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uem.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;

/**
 * The sweep's picture: weighted F1 on the test users against history length, UEM and text arms as
 * lines with markers, the counting baselines dashed. JFreeChart, rendered headless.
 */
public final class SweepPlot {
    private SweepPlot() {}

    public static void write(Path png, List<ObjectNode> arms, String title) {
        System.setProperty("java.awt.headless", "true");
        XYSeries uem = new XYSeries("UEM (soft tokens)"), text = new XYSeries("text history"),
                window = new XYSeries("counting (shown window)"), whole = new XYSeries("counting (whole history)");
        double minP = Double.MAX_VALUE, maxP = 0, wholeF1 = Double.NaN;
        for (ObjectNode a : arms) {
            double f1 = a.get("f1").asDouble();
            if (a.get("history").isNull()) {
                wholeF1 = f1;
                continue;
            }
            double p = a.get("history").asDouble();
            minP = Math.min(minP, p);
            maxP = Math.max(maxP, p);
            switch (a.get("kind").asText()) {
                case "uem" -> uem.add(p, f1);
                case "text" -> text.add(p, f1);
                default -> window.add(p, f1);
            }
        }
        if (!Double.isNaN(wholeF1) && maxP > 0) {
            whole.add(minP, wholeF1);
            whole.add(maxP, wholeF1);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : List.of(uem, text, window, whole)) data.addSeries(s);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "history length (items)", "weighted F1 (test users)", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setRange(0, maxP * 1.05 + 1);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        Color[] colours = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x7f7f7f), Color.BLACK};
        BasicStroke solid = new BasicStroke(2.5f), dashed = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
        for (int i = 0; i < 4; i++) {
            r.setSeriesPaint(i, colours[i]);
            r.setSeriesStroke(i, i < 2 ? solid : dashed);
            r.setSeriesShapesVisible(i, i < 3);
        }
        plot.setRenderer(r);
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 560));
    }
}
