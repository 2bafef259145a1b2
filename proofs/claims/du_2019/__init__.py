"""Claims of Du, Lee, Li, Wang, Zhai (2019), deep fully connected and residual networks in the NTK regime."""
