package dev.mft.core.model;

/**
 * HF {@code rope_scaling}: how rotary inverse frequencies are rescaled for longer contexts.
 * Only the types whose formulas mft reproduces exactly are accepted.
 */
public sealed interface RopeScaling {

    /** Applies the scaling to the unscaled inverse frequencies {@code 1 / theta^(2i/d)}. */
    double[] scale(double[] invFreq);

    /** No scaling ({@code rope_scaling: null} or type "default"). */
    record None() implements RopeScaling {
        @Override
        public double[] scale(double[] invFreq) {
            return invFreq;
        }
    }

    /** "linear": positions divided by {@code factor}, i.e. every frequency divided by it. */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor must be > 0, got " + factor);
            }
        }

        @Override
        public double[] scale(double[] invFreq) {
            double[] out = new double[invFreq.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = invFreq[i] / factor;
            }
            return out;
        }
    }

    /**
     * "llama3": long wavelengths divided by {@code factor}, short ones kept, the band between interpolated
     * smoothly (Llama 3.1's formula as in HF's {@code _compute_llama3_parameters}).
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)
                    || originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("rope_scaling llama3 needs factor > 0, 0 < low_freq_factor <"
                        + " high_freq_factor and original_max_position_embeddings > 0; got factor=" + factor
                        + ", low_freq_factor=" + lowFreqFactor + ", high_freq_factor=" + highFreqFactor
                        + ", original_max_position_embeddings=" + originalMaxPositionEmbeddings);
            }
        }

        @Override
        public double[] scale(double[] invFreq) {
            double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
            double[] out = new double[invFreq.length];
            for (int i = 0; i < out.length; i++) {
                double wavelen = 2 * Math.PI / invFreq[i];
                if (wavelen < highFreqWavelen) {
                    out[i] = invFreq[i];
                } else if (wavelen > lowFreqWavelen) {
                    out[i] = invFreq[i] / factor;
                } else {
                    double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                            / (highFreqFactor - lowFreqFactor);
                    out[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
                }
            }
            return out;
        }
    }
}
