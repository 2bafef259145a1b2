"""Float flows of the two-timescale regime (Marion & Berthier 2023): the univariate cubic-step model, the fast problem
a*(u), the reduced loss and its sharp-step limit L0, the joint flow for any timescale ratio, its eps -> 0 limit, online
SGD, the slow flow of L0, and the additive multivariate extension."""
from numerics.twotimescale.model import (EMB1_TARGET, Target, a_star, coverage, dsigma, floor, gram, loss_and_grads,
                                         reduced_loss, sharp_grad, sharp_loss, sigma, step_init)
from numerics.twotimescale.flows import FlowResult, accurate_joint_flow, joint_flow, limit_flow, piece_counts, sgd, sharp_flow, summarize_run

__all__ = ["EMB1_TARGET", "Target", "a_star", "coverage", "dsigma", "floor", "gram", "loss_and_grads", "reduced_loss",
           "sharp_grad", "sharp_loss", "sigma", "step_init", "FlowResult", "accurate_joint_flow", "joint_flow", "limit_flow", "piece_counts",
           "sgd", "sharp_flow", "summarize_run"]
