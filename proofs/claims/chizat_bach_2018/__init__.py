"""Claims of Chizat & Bach (2018), mean-field particle gradient flows: first variation, velocity, Euler
identities, energy decay, balancedness, the many-particle limit."""
