"""Building blocks: gradient reversal, sentence encoders, heads, the task discriminator."""
