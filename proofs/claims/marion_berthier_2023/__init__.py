"""Claims of Marion & Berthier (2023), the two-timescale regime: the smooth step and its false variant."""
