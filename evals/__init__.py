"""evals room."""
