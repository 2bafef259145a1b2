"""Neural-tangent-kernel numerics: limiting Gram matrices (closed forms and depth recursions, float and mpmath),
finite-width networks and their NTK-scaled training (two-layer, fully connected, ResNet)."""
