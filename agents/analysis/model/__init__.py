"""The model of cause: attribution features per candidate, one fitted scorer, calibrated confidence."""
