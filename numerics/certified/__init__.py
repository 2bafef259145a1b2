"""Certified numerics: outward printing and precision, branch and bound on python-flint balls, enclosures of
Psi and of level sets, ball linear algebra and half-space arrangements."""
