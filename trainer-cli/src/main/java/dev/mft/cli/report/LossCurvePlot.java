package dev.mft.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders {@code metrics.jsonl} as a PNG loss curve (XChart): the train loss, and every other field whose name starts
 * with {@code loss} or {@code eval_loss} (per-task and evaluation losses), against the step.
 */
public final class LossCurvePlot {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LossCurvePlot() {}

    /** Reads {@code metricsJsonl} and writes {@code png} atomically; returns the series drawn. */
    public static List<String> write(Path metricsJsonl, Path png, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metricsJsonl)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            if (!n.has("step")) {
                continue;
            }
            double step = n.get("step").asDouble();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                JsonNode v = n.get(f);
                if ((f.startsWith("loss") || f.startsWith("eval_loss")) && v.isNumber() && Double.isFinite(v.asDouble())) {
                    series.computeIfAbsent(f, k -> new ArrayList<>()).add(new double[] {step, v.asDouble()});
                }
            }
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step")
                .yAxisTitle("loss").build();
        chart.getStyler().setLegendVisible(true);
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            double[] x = new double[e.getValue().size()];
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = e.getValue().get(i)[0];
                y[i] = e.getValue().get(i)[1];
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(x.length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        if (series.isEmpty()) {
            throw new IOException(metricsJsonl + ": no loss values to plot");
        }
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, bytes);
        return new ArrayList<>(series.keySet());
    }
}
