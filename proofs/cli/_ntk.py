"""``escset ntk``: certified lambda_min of the two-layer ReLU Gram matrix H^infty (MATH.md §4.2)."""
from __future__ import annotations
