r"""Finite-width networks in the NTK scaling, their outputs, gradients and Gram matrices (numpy, vectorised).

Two-layer ReLU (Du, Zhai, Poczos, Singh 2018, the scaling of their Section 3):
:math:`f(W,a,x)=\frac1{\sqrt m}\sum_{r=1}^m a_r\,\sigma(w_r^\top x)`, :math:`\sigma=\max(\cdot,0)`,
:math:`w_r(0)\sim\mathcal N(0,I_d)`, :math:`a_r\sim\mathrm{unif}\{\pm1\}`, convention :math:`\sigma'(z)=\mathbf 1\{z\ge0\}`.
Its Gram matrices at finite width (:func:`two_layer_gram`, :func:`two_layer_output_gram`):
:math:`H_{ij}(W)=\frac1m x_i^\top x_j\sum_r a_r^2\mathbf 1\{w_r^\top x_i\ge0,w_r^\top x_j\ge0\}` and
:math:`G_{ij}(W)=\frac1m\sum_r\sigma(w_r^\top x_i)\sigma(w_r^\top x_j)`; their infinite-width limits
(:func:`relu_h_infinity`, :func:`relu_g_infinity`) are the angle formulas
:math:`H^\infty_{ij}=x_i^\top x_j(\pi-\varphi_{ij})/(2\pi)` and the degree-1 arc-cosine kernel
:math:`G^\infty_{ij}=|x_i||x_j|(\sin\varphi_{ij}+(\pi-\varphi_{ij})\cos\varphi_{ij})/(2\pi)`.

Deep networks (Du, Lee, Li, Wang, Zhai 2019, Sections 3 and 6; every entry of every layer and of the output
vector :math:`a` i.i.d. :math:`\mathcal N(0,1)`, all layers trained):

* fully connected: :math:`x^{(h)}=\sqrt{c_\sigma/m}\,\sigma(W^{(h)}x^{(h-1)})`, :math:`h=1..H`, :math:`f=a^\top x^{(H)}`;
* ResNet: :math:`x^{(1)}=\sqrt{c_\sigma/m}\,\sigma(W^{(1)}x)`,
  :math:`x^{(h)}=x^{(h-1)}+\frac{c_{\rm res}}{H\sqrt m}\sigma(W^{(h)}x^{(h-1)})` for :math:`h\ge2`
  (``res_scale`` replaces :math:`c_{\rm res}/H` to study other branch scalings, e.g. without the :math:`1/H`),

with :math:`c_\sigma=1/\mathbb E_{z\sim\mathcal N(0,1)}\sigma(z)^2` (:func:`c_sigma`, Gauss–Hermite). The
per-sample derivatives come from a hand-written, vectorised backward pass (:func:`backward`: the chain rule for
these two architectures; no autodiff library is a dependency of escset); since
:math:`\partial f_i/\partial W^{(h)}=g_i^{(h)}\,x_i^{(h-1)\top}` is an outer product, the layer Grams
:math:`G^{(h)}_{ij}=\langle\partial f_i/\partial W^{(h)},\partial f_j/\partial W^{(h)}\rangle=(g_i^{(h)}\cdot g_j^{(h)})
(x_i^{(h-1)}\cdot x_j^{(h-1)})` are formed without the Jacobian (:func:`layer_grams`). Tests check them against
finite differences.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from numerics.errors import InvalidArgument

__all__ = ["ACTIVATIONS", "activation_pair", "c_sigma", "two_layer_init", "two_layer_output", "two_layer_gram",
           "two_layer_output_gram", "two_layer_gradient", "relu_h_infinity", "relu_g_infinity", "patterns",
           "DeepNet", "deep_init", "forward", "backward", "layer_grams", "deep_gradient", "perturbation_growth"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _erf(z):
    from scipy.special import erf

    return erf(z)


#: activation name -> (sigma, sigma') as vectorised numpy functions
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z >= 0).astype(float)),
    "softplus": (lambda z: np.logaddexp(0.0, z), _sigmoid),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "erf": (_erf, lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-z * z)),
}


def activation_pair(activation):
    """``(sigma, sigma')`` from a name of :data:`ACTIVATIONS` or a pair of vectorised callables."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise InvalidArgument(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)} "
                                  "(or pass a pair (sigma, dsigma) of vectorised callables)")
        return ACTIVATIONS[activation]
    if isinstance(activation, (tuple, list)) and len(activation) == 2 and all(callable(f) for f in activation):
        return tuple(activation)
    raise InvalidArgument(f"activation must be a name or a pair (sigma, dsigma) of callables, got {activation!r}")


def c_sigma(activation, nodes: int = 120) -> float:
    r""":math:`c_\sigma=(\mathbb E_{z\sim\mathcal N(0,1)}\sigma(z)^2)^{-1}` by Gauss–Hermite (numpy ``hermegauss``);
    ReLU exactly 2."""
    if activation == "relu":
        return 2.0
    s, _ = activation_pair(activation)
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    e = float(np.sum(w * s(z) ** 2) / math.sqrt(2 * math.pi))
    if not e > 0:
        raise InvalidArgument("E sigma(z)^2 = 0: c_sigma is undefined for this activation")
    return 1.0 / e


def _data(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1 or not np.all(np.isfinite(X)):
        raise InvalidArgument(f"inputs X must be a finite (n, d) array, got shape {X.shape}")
    return X


# ---------------------------------------------------------------------------
# two-layer ReLU
# ---------------------------------------------------------------------------
def two_layer_init(m: int, d: int, rng):
    """``(W, a)``: W (m, d) standard normal, a (m,) uniform signs (Du et al. 2018, Section 3)."""
    if int(m) < 1 or int(d) < 1:
        raise InvalidArgument(f"width m and dimension d must be >= 1, got m={m}, d={d}")
    rng = np.random.default_rng(rng)
    return rng.standard_normal((int(m), int(d))), rng.choice([-1.0, 1.0], size=int(m))


def patterns(X, W):
    r"""Activation patterns :math:`\mathbf 1\{w_r^\top x_i\ge0\}` as a boolean (n, m) array."""
    return (_data(X) @ np.asarray(W, float).T) >= 0


def _out_scale(m, scaling):
    if scaling == "ntk":
        return 1.0 / math.sqrt(m)
    if scaling == "mean-field":
        return 1.0 / m
    raise InvalidArgument(f"scaling must be 'ntk' (1/sqrt m) or 'mean-field' (1/m), got {scaling!r}")


def two_layer_output(X, W, a, scaling: str = "ntk"):
    r"""Predictions :math:`u_i=\frac1{\sqrt m}\sum_r a_r\max(w_r^\top x_i,0)`, shape (n,) (``scaling="mean-field"``:
    the factor :math:`1/m` instead, the other scaling of wide networks)."""
    W = np.asarray(W, float)
    return np.maximum(_data(X) @ W.T, 0.0) @ np.asarray(a, float) * _out_scale(W.shape[0], scaling)


def two_layer_gradient(X, y, W, a, scaling: str = "ntk"):
    r""":math:`\partial L/\partial w_r=\frac1{\sqrt m}\sum_i(u_i-y_i)a_r\mathbf 1\{w_r^\top x_i\ge0\}x_i` (m, d) and
    :math:`\partial L/\partial a_r=\frac1{\sqrt m}\sum_i(u_i-y_i)\sigma(w_r^\top x_i)` (m,), for
    :math:`L=\sum_i\frac12(u_i-y_i)^2`."""
    X = _data(X)
    W = np.asarray(W, float)
    a = np.asarray(a, float)
    Z = X @ W.T
    e = two_layer_output(X, W, a, scaling) - np.asarray(y, float)
    c = _out_scale(W.shape[0], scaling)
    gW = ((e[:, None] * (Z >= 0)) * a[None, :]).T @ X * c
    ga = np.maximum(Z, 0.0).T @ e * c
    return gW, ga


def two_layer_gram(X, W, a=None):
    r""":math:`H(W)_{ij}=\frac1m x_i^\top x_j\sum_r a_r^2\mathbf 1\{w_r^\top x_i\ge0\}\mathbf 1\{w_r^\top x_j\ge0\}`
    (``a=None``: frozen signs, :math:`a_r^2=1`)."""
    X = _data(X)
    S = patterns(X, W).astype(float)
    m = S.shape[1]
    if a is not None:
        S2 = S * np.asarray(a, float)[None, :] ** 2
        return (X @ X.T) * (S2 @ S.T) / m
    return (X @ X.T) * (S @ S.T) / m


def two_layer_output_gram(X, W):
    r""":math:`G(W)_{ij}=\frac1m\sum_r\sigma(w_r^\top x_i)\sigma(w_r^\top x_j)` (the output-layer Gram, PSD)."""
    F = np.maximum(_data(X) @ np.asarray(W, float).T, 0.0)
    return F @ F.T / F.shape[1]


def _angles(X):
    X = _data(X)
    nr = np.linalg.norm(X, axis=1)
    if np.any(nr == 0):
        raise InvalidArgument("an input is the zero vector; the ReLU Grams need non-zero inputs")
    G = X @ X.T
    return G, nr, np.arccos(np.clip(G / np.outer(nr, nr), -1.0, 1.0))


def relu_h_infinity(X):
    r""":math:`H^\infty_{ij}=x_i^\top x_j(\pi-\varphi_{ij})/(2\pi)` (float64; any non-zero norms)."""
    G, _, phi = _angles(X)
    return G * (np.pi - phi) / (2 * np.pi)


def relu_g_infinity(X):
    r""":math:`G^\infty_{ij}=\mathbb E_w[\sigma(w^\top x_i)\sigma(w^\top x_j)]=|x_i||x_j|(\sin\varphi+(\pi-\varphi)\cos\varphi)/(2\pi)`."""
    _, nr, phi = _angles(X)
    return np.outer(nr, nr) * (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (2 * np.pi)


# ---------------------------------------------------------------------------
# deep fully connected and ResNet
# ---------------------------------------------------------------------------
@dataclass
class DeepNet:
    """A deep network of Du et al. 2019: ``Ws[h-1]`` is :math:`W^{(h)}` (m x d, then m x m), ``a`` the output vector.

    ``res_scale``: the residual-branch factor (ResNet; default :math:`c_{\\rm res}/H`), ``cs``: :math:`c_\\sigma`."""

    arch: str
    Ws: list
    a: np.ndarray
    activation: object = "softplus"
    cs: float = 1.0
    res_scale: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return len(self.Ws)

    @property
    def width(self) -> int:
        return int(self.a.shape[0])

    def copy(self) -> "DeepNet":
        return DeepNet(self.arch, [w.copy() for w in self.Ws], self.a.copy(), self.activation, self.cs,
                       self.res_scale, dict(self.extra))


def deep_init(d: int, m: int, depth: int, rng, *, arch: str = "fc", activation="softplus", c_res: float = 0.5,
              res_scale=None) -> DeepNet:
    r"""Gaussian initialisation of every layer and of :math:`a` (Du et al. 2019). ResNet needs ``depth >= 2``;
    ``res_scale`` defaults to :math:`c_{\rm res}/H`."""
    if arch not in ("fc", "resnet"):
        raise InvalidArgument(f"arch must be 'fc' or 'resnet', got {arch!r}")
    d, m, depth = int(d), int(m), int(depth)
    if d < 1 or m < 1 or depth < 1:
        raise InvalidArgument(f"d, m and depth must be >= 1, got d={d}, m={m}, depth={depth}")
    if arch == "resnet" and depth < 2:
        raise InvalidArgument("a ResNet needs depth >= 2 (layer 1 is the fully connected stem)")
    if arch == "resnet" and not 0 < c_res:
        raise InvalidArgument(f"c_res must be > 0, got {c_res}")
    activation_pair(activation)
    rng = np.random.default_rng(rng)
    Ws = [rng.standard_normal((m, d))] + [rng.standard_normal((m, m)) for _ in range(depth - 1)]
    a = rng.standard_normal(m)
    rs = (c_res / depth if res_scale is None else float(res_scale)) if arch == "resnet" else 0.0
    return DeepNet(arch, Ws, a, activation, c_sigma(activation), rs)


def forward(net: DeepNet, X):
    """``(xs, zs)``: layer outputs ``xs[h]`` = :math:`x^{(h)}` (n, .) for h = 0..H and pre-activations ``zs[h-1]``
    = :math:`W^{(h)}x^{(h-1)}` (n, m); the output is ``xs[-1] @ net.a``."""
    s, _ = activation_pair(net.activation)
    m = net.width
    xs = [_data(X)]
    zs = []
    for h, W in enumerate(net.Ws, start=1):
        z = xs[-1] @ W.T
        zs.append(z)
        if net.arch == "fc" or h == 1:
            xs.append(math.sqrt(net.cs / m) * s(z))
        else:
            xs.append(xs[-1] + net.res_scale / math.sqrt(m) * s(z))
    return xs, zs


def backward(net: DeepNet, xs, zs, weights=None):
    r"""Per-sample derivatives :math:`g^{(h)}_i=\partial f_i/\partial z^{(h)}_i` (n, m) for h = 1..H, so that
    :math:`\partial f_i/\partial W^{(h)}=g^{(h)}_i x_i^{(h-1)\top}`. ``weights`` (n,) multiplies each sample
    (a residual vector gives the loss gradient)."""
    _, ds = activation_pair(net.activation)
    m = net.width
    n = xs[0].shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    delta = w[:, None] * net.a[None, :]  # d f / d x^(H)
    gs = [None] * net.depth
    for h in range(net.depth, 0, -1):
        z = zs[h - 1]
        scale = math.sqrt(net.cs / m) if (net.arch == "fc" or h == 1) else net.res_scale / math.sqrt(m)
        g = delta * scale * ds(z)
        gs[h - 1] = g
        back = g @ net.Ws[h - 1]
        delta = back if (net.arch == "fc" or h == 1) else delta + back
    return gs


def layer_grams(net: DeepNet, X):
    r"""``[G^(1), ..., G^(H), G^(H+1)]`` at the current weights: :math:`G^{(h)}=(g g^\top)\odot(x^{(h-1)}x^{(h-1)\top})`,
    and :math:`G^{(H+1)}=x^{(H)}x^{(H)\top}` for :math:`a`. Their sum is the full NTK Gram of the prediction dynamics."""
    xs, zs = forward(net, X)
    gs = backward(net, xs, zs)
    out = [(g @ g.T) * (xp @ xp.T) for g, xp in zip(gs, xs[:-1])]
    out.append(xs[-1] @ xs[-1].T)
    return out


def deep_gradient(net: DeepNet, X, y):
    r"""``(loss, grads_W, grad_a)`` of :math:`L=\frac12\sum_i(f_i-y_i)^2`: :math:`\partial L/\partial W^{(h)}=
    \sum_i e_i g^{(h)}_i x_i^{(h-1)\top}` by :func:`backward` with weights :math:`e=f-y`."""
    xs, zs = forward(net, X)
    e = xs[-1] @ net.a - np.asarray(y, float)
    gs = backward(net, xs, zs, weights=e)
    gW = [g.T @ xp for g, xp in zip(gs, xs[:-1])]
    return 0.5 * float(e @ e), gW, xs[-1].T @ e


def perturbation_growth(net: DeepNet, x, eps: float = 1e-6, rng=0):
    r"""How a perturbation of the first layer's output propagates: with :math:`x^{(1)}` replaced by
    :math:`x^{(1)}+\varepsilon\xi` (:math:`|\xi|=|x^{(1)}|`), the ratios
    :math:`|\Delta x^{(h)}|/|\Delta x^{(1)}|` for h = 1..H (the amplification of an initial error across depth)."""
    s, _ = activation_pair(net.activation)
    m = net.width
    x = _data(np.atleast_2d(x))
    x1 = math.sqrt(net.cs / m) * s(x @ net.Ws[0].T)
    xi = np.random.default_rng(rng).standard_normal(x1.shape)
    xi *= np.linalg.norm(x1) / np.linalg.norm(xi)
    p, q = x1, x1 + eps * xi
    d0 = np.linalg.norm(q - p)
    out = [1.0]
    for W in net.Ws[1:]:
        zp, zq = p @ W.T, q @ W.T
        if net.arch == "fc":
            p, q = math.sqrt(net.cs / m) * s(zp), math.sqrt(net.cs / m) * s(zq)
        else:
            p, q = p + net.res_scale / math.sqrt(m) * s(zp), q + net.res_scale / math.sqrt(m) * s(zq)
        out.append(float(np.linalg.norm(q - p) / d0))
    return np.array(out)
