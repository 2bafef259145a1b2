"""Claims of Marion & Berthier (2023), the two-timescale regime: the smooth step, the reduced loss and its sharp-step
limit, the slow dynamics, and their false variants."""
