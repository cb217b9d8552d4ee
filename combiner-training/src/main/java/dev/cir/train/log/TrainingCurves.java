package dev.cir.train.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run: {@code loss.png} (every step's loss and a moving average) and {@code
 * validation.png} (each validated epoch's recall metrics).
 */
public final class TrainingCurves {
  private TrainingCurves() {}

  public static void writeLoss(Path png, double[] losses, String title) throws IOException {
    if (losses.length == 0) {
      return;
    }
    XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step").yAxisTitle("loss").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    double[] x = new double[losses.length];
    double[] avg = new double[losses.length];
    int window = Math.max(1, losses.length / 50);
    double sum = 0;
    for (int i = 0; i < losses.length; i++) {
      x[i] = i + 1;
      sum += losses[i];
      if (i >= window) {
        sum -= losses[i - window];
      }
      avg[i] = sum / Math.min(i + 1, window);
    }
    chart.addSeries("loss", x, losses).setMarker(SeriesMarkers.NONE).setLineColor(new java.awt.Color(160, 190, 230));
    chart.addSeries("mean of " + window, x, avg).setMarker(SeriesMarkers.NONE).setLineColor(new java.awt.Color(20, 60, 160));
    save(chart, png);
  }

  /** Plots each metric whose name starts with {@code val.} against the epoch. */
  public static void writeValidation(Path png, List<Map<String, Double>> epochs, String title) throws IOException {
    List<String> names = new ArrayList<>();
    for (Map<String, Double> e : epochs) {
      for (String k : e.keySet()) {
        if (k.startsWith("val.") && !names.contains(k)) {
          names.add(k);
        }
      }
    }
    if (names.isEmpty()) {
      return;
    }
    XYChart chart =
        new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("epoch").yAxisTitle("percent").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    for (String name : names) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Map<String, Double> e : epochs) {
        Double v = e.get(name);
        if (v != null && !v.isNaN()) {
          xs.add(e.get("epoch"));
          ys.add(v);
        }
      }
      if (!xs.isEmpty()) {
        chart.addSeries(name.substring(4), xs, ys);
      }
    }
    save(chart, png);
  }

  private static void save(XYChart chart, Path png) throws IOException {
    Path dir = png.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + png.getFileName(), ".png");
    try {
      BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
      dev.cir.clip.io.AtomicFiles.moveIntoPlace(tmp, png);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
