"""Evaluation on hand-written scenario worlds: one ticket-driven investigation per scenario, scored on its truth."""
