"""routing: plain Python, never imports Django."""
