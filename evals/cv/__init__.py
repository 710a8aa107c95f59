"""Leave-one-group-out cross-validation of the model of cause over every labelled set."""
