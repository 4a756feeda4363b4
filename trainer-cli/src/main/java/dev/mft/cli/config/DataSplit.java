package dev.mft.cli.config;

/**
 * MFTCoder's {@code data_split} {@code "train,valid,test"}: relative shares of each task's samples (normalized by
 * their sum, so {@code "98,2,0"} and {@code "49,1,0"} are the same split).
 */
public record DataSplit(double train, double valid, double test) {
    private static final String KEY = "data_split";

    public DataSplit {
        boolean ok = train > 0 && valid >= 0 && test >= 0
                && Double.isFinite(train) && Double.isFinite(valid) && Double.isFinite(test);
        Checks.check(ok, KEY, train + "," + valid + "," + test,
                "three shares \"train,valid,test\" with train > 0 and the others >= 0");
    }

    /** Parses {@code "98,2,0"}. */
    public static DataSplit parse(String text) {
        String[] parts = text.split(",", -1);
        String expected = "three comma-separated numbers \"train,valid,test\"";
        Checks.check(parts.length == 3, KEY, text, expected);
        double[] shares = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                shares[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new ConfigValueException(KEY, text, expected);
            }
        }
        return new DataSplit(shares[0], shares[1], shares[2]);
    }

    /** The validation share of the whole, in [0, 1). */
    public double validFraction() {
        return valid / (train + valid + test);
    }
}
