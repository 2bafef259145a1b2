"""Claims of the 2026 escaping-set paper (Petit, Poon, Peyré), whose statements here are reconstructions:
attention features, the escape inequality, feature growth, support and tails along the flow."""
