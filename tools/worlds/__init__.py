"""worlds room."""
