package dev.mft.core.loss;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Each task's last {@code length} validation losses, and the least-squares slope of each window. */
final class LossWindows {
    private final List<Deque<Double>> windows = new ArrayList<>();
    private final int length;

    LossWindows(int tasks, int length) {
        this.length = length;
        for (int t = 0; t < tasks; t++) {
            windows.add(new ArrayDeque<>());
        }
    }

    /** Appends one value per task, dropping the oldest beyond the window length. */
    void add(double[] perTask) {
        for (int t = 0; t < windows.size(); t++) {
            Deque<Double> w = windows.get(t);
            w.addLast(perTask[t]);
            while (w.size() > length) {
                w.removeFirst();
            }
        }
    }

    /** Slope of each task's window. */
    double[] slopes() {
        double[] slopes = new double[windows.size()];
        for (int t = 0; t < slopes.length; t++) {
            slopes[t] = WindowSlope.of(new ArrayList<>(windows.get(t)));
        }
        return slopes;
    }

    /** The windows as lists, oldest first. */
    List<List<Double>> columns() {
        List<List<Double>> out = new ArrayList<>();
        for (Deque<Double> w : windows) {
            out.add(new ArrayList<>(w));
        }
        return out;
    }
}
