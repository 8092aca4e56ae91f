"""stclusters."""
