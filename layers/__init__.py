"""layers: plain Python, never imports Django."""
