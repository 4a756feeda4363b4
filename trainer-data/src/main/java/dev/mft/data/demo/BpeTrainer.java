package dev.mft.data.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain, deterministic BPE trainer: repeatedly merge the most frequent adjacent symbol pair
 * (ties broken by the pair's text, so the result never depends on hash order).
 *
 * <p>Quadratic and meant for kilobytes of demo text only.
 */
final class BpeTrainer {

    /** A learned merge: {@code left + right} becomes one symbol. */
    record Merge(String left, String right) {
        String merged() {
            return left + right;
        }
    }

    // symbols never contain a space (byte-level), so joining with one is a faithful sort key
    private static final Comparator<List<String>> BY_TEXT = Comparator.comparing(s -> String.join(" ", s));

    private BpeTrainer() {}

    /**
     * @param wordCounts pre-tokenized words (in byte-level characters) and how often each occurs
     * @param maxMerges stop after this many merges
     * @return merges in the order learned (= HuggingFace merge rank)
     */
    static List<Merge> train(Map<String, Integer> wordCounts, int maxMerges) {
        // TreeMap: a fixed iteration order keeps counting deterministic
        Map<List<String>, Integer> words = new TreeMap<>(BY_TEXT);
        for (Map.Entry<String, Integer> e : new TreeMap<>(wordCounts).entrySet()) {
            List<String> symbols = new ArrayList<>();
            e.getKey().codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
            words.merge(symbols, e.getValue(), Integer::sum);
        }
        List<Merge> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Merge best = mostFrequentPair(words);
            if (best == null) {
                break;
            }
            merges.add(best);
            Map<List<String>, Integer> next = new TreeMap<>(BY_TEXT);
            for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
                next.merge(apply(e.getKey(), best), e.getValue(), Integer::sum);
            }
            words = next;
        }
        return merges;
    }

    /** The pair seen at least twice with the highest count, or null if none. */
    private static Merge mostFrequentPair(Map<List<String>, Integer> words) {
        Map<Merge, Integer> counts = new HashMap<>();
        for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
            List<String> s = e.getKey();
            for (int i = 0; i + 1 < s.size(); i++) {
                counts.merge(new Merge(s.get(i), s.get(i + 1)), e.getValue(), Integer::sum);
            }
        }
        Merge best = null;
        int bestCount = 1;
        for (Map.Entry<Merge, Integer> e : counts.entrySet()) {
            int c = e.getValue();
            if (c > bestCount || (c == bestCount && best != null && before(e.getKey(), best))) {
                best = e.getKey();
                bestCount = c;
            }
        }
        return best;
    }

    private static boolean before(Merge a, Merge b) {
        int byLeft = a.left().compareTo(b.left());
        return byLeft != 0 ? byLeft < 0 : a.right().compareTo(b.right()) < 0;
    }

    /** Replaces every non-overlapping occurrence of the pair, left to right. */
    private static List<String> apply(List<String> symbols, Merge merge) {
        List<String> out = new ArrayList<>(symbols.size());
        for (int i = 0; i < symbols.size(); i++) {
            if (i + 1 < symbols.size() && symbols.get(i).equals(merge.left()) && symbols.get(i + 1).equals(merge.right())) {
                out.add(merge.merged());
                i++;
            } else {
                out.add(symbols.get(i));
            }
        }
        return out;
    }
}
