package dev.mft.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurvePlotTest {
    @TempDir
    Path dir;

    @Test
    void writesAPngWithTrainAndEvalSeries() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int step = 1; step <= 30; step++) {
            sb.append("{\"step\": ").append(step).append(", \"loss\": ").append(5.0 / step).append(", \"lr\": 0.001");
            if (step % 10 == 0) {
                sb.append(", \"eval_loss\": ").append(6.0 / step);
            }
            sb.append("}\n");
        }
        Files.writeString(metrics, sb.toString());
        Path png = dir.resolve("loss.png");
        List<String> drawn = LossCurvePlot.write(metrics, png, "demo");
        assertEquals(List.of("loss", "eval_loss"), drawn);
        BufferedImage img = ImageIO.read(png.toFile()); // a real PNG that a decoder reads
        assertEquals(900, img.getWidth());
        assertEquals(500, img.getHeight());
        // more than background and axes: count distinct colours (the series are drawn in colour)
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int x = 0; x < img.getWidth(); x += 3) {
            for (int y = 0; y < img.getHeight(); y += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 10, "colours: " + colours.size());
    }

    @Test
    void metricsWithoutLossAreAnError() throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, "{\"step\": 1, \"lr\": 0.1}\n");
        IOException e = assertThrows(IOException.class, () -> LossCurvePlot.write(metrics, dir.resolve("x.png"), "t"));
        assertTrue(e.getMessage().contains("no loss values"), e.getMessage());
    }
}
