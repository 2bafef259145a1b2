"""Exact (rational) part of the two-timescale regime (Marion & Berthier 2023): the population loss of the cubic-step
model for piecewise-constant targets, the reduced loss min_a L, the sharp-step limit L0 and its gradient."""
from proofs.twotimescale.exact import (HALF_TAIL_INTEGRAL, ExactTarget, exact_floor, exact_gram, exact_grad_u,
                                       exact_loss, exact_min_loss, exact_sharp_grad, exact_sharp_loss, frac,
                                       solve_normal)

__all__ = ["HALF_TAIL_INTEGRAL", "ExactTarget", "exact_floor", "exact_gram", "exact_grad_u", "exact_loss",
           "exact_min_loss", "exact_sharp_grad", "exact_sharp_loss", "frac", "solve_normal"]
