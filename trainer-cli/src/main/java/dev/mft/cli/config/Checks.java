package dev.mft.cli.config;

/** Range checks for the config records' compact constructors; each failure names the key and the value. */
final class Checks {
    private Checks() {}

    static void check(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new ConfigValueException(key, value, expected);
        }
    }

    static void positive(String key, int value) {
        check(value > 0, key, value, "> 0");
    }

    static void nonNegative(String key, int value) {
        check(value >= 0, key, value, ">= 0");
    }

    static void positive(String key, double value) {
        check(value > 0 && Double.isFinite(value), key, value, "> 0");
    }

    static void nonNegative(String key, double value) {
        check(value >= 0 && Double.isFinite(value), key, value, ">= 0");
    }

    /** {@code value} in [0, 1): probabilities that must leave something (dropout, Adam betas). */
    static void unitInterval(String key, double value) {
        check(value >= 0 && value < 1, key, value, "in [0, 1)");
    }

    static <T> T present(String key, T value) {
        if (value == null) {
            throw new ConfigValueException(key, null, "set");
        }
        return value;
    }

    static String nonBlank(String key, String value) {
        check(value != null && !value.isBlank(), key, value, "a non-empty string");
        return value;
    }
}
