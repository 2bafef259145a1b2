"""Claims of Du, Zhai, Poczos, Singh (2018), two-layer ReLU networks in the NTK regime."""
