"""Hand-written past incidents served as worlds (see README.md for the format)."""
