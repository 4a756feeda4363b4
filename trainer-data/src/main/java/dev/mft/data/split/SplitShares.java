package dev.mft.data.split;

/**
 * MFTCoder's {@code data_split} {@code "train,valid,test"}: relative shares of each task (normalized by their sum, so
 * {@code "98,2,0"} and {@code "49,1,0"} are the same split).
 */
public record SplitShares(double train, double valid, double test) {

    /** Everything trains. */
    public static final SplitShares ALL_TRAIN = new SplitShares(1, 0, 0);

    public SplitShares {
        boolean ok = train > 0 && valid >= 0 && test >= 0
                && Double.isFinite(train) && Double.isFinite(valid) && Double.isFinite(test);
        if (!ok) {
            throw new IllegalArgumentException("data_split " + train + "," + valid + "," + test
                    + "; expected three shares \"train,valid,test\" with train > 0 and the others >= 0");
        }
    }

    /**
     * How many of {@code n} items go to validation and test: each share rounded, at least one when the share is
     * positive (a small task still gets a validation set), and never so many that no item is left to train on.
     */
    int[] validAndTest(int n) {
        double total = train + valid + test;
        int v = count(n, valid / total);
        int t = count(n, test / total);
        while (n > 0 && v + t > n - 1) { // keep one for training: shrink test first
            if (t > 0) {
                t--;
            } else {
                v--;
            }
        }
        return new int[] {Math.max(v, 0), Math.max(t, 0)};
    }

    private static int count(int n, double share) {
        return share <= 0 || n < 2 ? 0 : Math.max(1, (int) Math.round(n * share));
    }
}
