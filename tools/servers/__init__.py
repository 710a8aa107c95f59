"""servers room."""
