"""Dataset sizes that params are validated against, known without loading torch or the data."""

DIGITS_SAMPLES = 1797  # scikit-learn's bundled 8x8 digits
DIGITS_VAL_FRACTION = 0.2


def digits_train_size(val_fraction: float = DIGITS_VAL_FRACTION) -> int:
    return DIGITS_SAMPLES - round(DIGITS_SAMPLES * val_fraction)
