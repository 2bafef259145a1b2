r"""Particle flows: a velocity field stepped by an explicit method, with regularisers (MATH.md §1.2, §6.3, §4.1).

:class:`ParticleFlow` runs the flow of a :class:`numerics.dynamics.fields.VelocityField`: the tableaus of
:mod:`numerics.dynamics.integrators`, two timescales, weight decay (smooth) and the l1 term (proximal step),
Ctrl-C deferred to step boundaries, divergence checks, the compiled JAX loop. :func:`ntk_flow` is the NTK-scaled
GD of MATH.md §4.1, :func:`w2_distance` the Wasserstein-2 distance of two particle measures.
"""
from __future__ import annotations

import contextlib
import math
import signal
import time
from dataclasses import dataclass, field

import numpy as np

from numerics.dynamics import backend as B
from numerics.dynamics.fields import NetField, VelocityField
from numerics.dynamics.integrators import TABLEAUS, METHODS, Diverged, _all_finite, _lin
from numerics.dynamics.kernels_net import blas_single_thread
from numerics.dynamics.state import State, _invalid

__all__ = ["ParticleFlow", "ntk_flow", "w2_distance"]


@dataclass
class ParticleFlow:
    """A particle flow: a velocity field, a method, step sizes and a regulariser.

    ``dt``: step of the output weights (mean-field time); ``dt_inner``: step of the inner
    parameters (default ``dt``; a smaller one gives the two-timescale flow of MATH.md §6.3);
    ``l1``: lambda of V = lambda |a| (proximal step); ``weight_decay``: lambda_2 of
    V = lambda_2/2 |theta|^2; ``train_outer=False`` freezes the output weights; ``compile``: on the JAX
    backend, :meth:`run` executes the steps in a jitted ``lax.fori_loop`` (the same arithmetic as
    :meth:`step`, traced once).
    See :func:`ntk_flow` for the NTK-scaled GD of MATH.md §4.1.
    """

    field: VelocityField
    dt: float
    method: str = "euler"
    dt_inner: float | None = None
    l1: float = 0.0
    weight_decay: float = 0.0
    train_outer: bool = True
    compile: bool = True
    _bufs: dict = field(default_factory=dict, repr=False)
    _compiled: object = field(default=None, repr=False)

    #: most steps inside one compiled call (JAX); calls are also sized to last about
    #: ``COMPILED_CHUNK_S`` seconds, the latency of Ctrl-C
    COMPILED_CHUNK = 256
    COMPILED_CHUNK_S = 0.5

    def __post_init__(self):
        if self.method not in TABLEAUS:
            raise _invalid(f"unknown method {self.method!r}; valid are {', '.join(METHODS)}")
        for nm in ("dt", "dt_inner", "l1", "weight_decay"):
            v = getattr(self, nm)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise _invalid(f"{nm} must be a finite number, got {v!r}")
        if not self.dt > 0:
            raise _invalid(f"dt must be positive, got {self.dt!r}")
        if self.dt_inner is not None and not self.dt_inner >= 0:
            raise _invalid(f"dt_inner must be >= 0, got {self.dt_inner!r}")
        if self.l1 < 0 or self.weight_decay < 0:
            raise _invalid(f"regularisation strengths must be >= 0, got l1={self.l1}, weight_decay={self.weight_decay}")
        self.tableau = TABLEAUS[self.method]

    @property
    def ratio(self) -> float:
        """Timescale ratio epsilon = dt_inner / dt (1 for a single timescale)."""
        return 1.0 if self.dt_inner is None else self.dt_inner / self.dt

    @property
    def order(self) -> int:
        """Declared order in the step size (1 whenever the proximal splitting is used)."""
        return 1 if self.l1 > 0 else self.tableau.order

    # -- the vector field ---------------------------------------------------
    def _smooth(self, a, u, out=None, traced=False):
        """Velocity of the smooth part (loss + weight decay), rate-scaled for two timescales.
        ``traced``: array operations only, the loss a 0-d array (inside ``jax.jit``)."""
        if traced:
            va, vu, loss = self.field.evaluate_xp(a, u)
        else:
            va, vu, loss = self.field.evaluate(a, u, out=out)
        lam2 = self.weight_decay
        if lam2:
            if out is not None:
                va -= lam2 * a
                vu -= lam2 * u
            else:
                va, vu = va - lam2 * a, vu - lam2 * u
        eps = self.ratio
        if eps != 1.0:
            if out is not None:
                vu *= eps
            else:
                vu = vu * eps
        if not self.train_outer:  # output weights frozen (Du et al. 2018, MATH.md §4.1)
            if out is not None:
                va[...] = 0.0
            else:
                va = va * 0.0
        return va, vu, loss

    def velocity(self, state: State):
        """Full mean-field velocity (minimal-norm element of -dF' with l1; unscaled by dt_inner/dt)."""
        xp = self.field.xp
        a, u = state
        va, vu, loss = self.field.evaluate(a, u)
        if self.weight_decay:
            va, vu = va - self.weight_decay * a, vu - self.weight_decay * u
        if not self.train_outer:
            va = va * 0.0
        if self.l1:
            lam = self.l1
            na = _fro(xp, a)
            nv = _fro(xp, va)
            zero = na == 0
            safe = xp.where(zero, xp.ones_like(na), na)
            shrink_v = xp.where(nv > lam, 1.0 - lam / xp.where(nv > 0, nv, xp.ones_like(nv)), xp.zeros_like(nv))
            va = xp.where(zero[:, None, None], va * shrink_v[:, None, None], va - lam * a / safe[:, None, None])
        return va, vu

    def _prox(self, a, tau):
        """Block soft threshold a <- a (1 - tau lambda / |a|)_+ (prox of tau lambda |a|)."""
        xp = self.field.xp
        na = _fro(xp, a)
        fac = xp.where(na > tau * self.l1, 1.0 - tau * self.l1 / xp.where(na > 0, na, xp.ones_like(na)),
                       xp.zeros_like(na))
        return a * fac[:, None, None]

    # -- steps --------------------------------------------------------------
    def step(self, state: State) -> State:
        """One step; returns a new State (the input is not modified). Also sets ``last_loss``
        (the loss at the input state)."""
        a_new, u_new, self.last_loss = self._step_arrays(state[0], state[1])
        return State(a_new, u_new)

    def _step_arrays(self, a, u, traced=False):
        """One step of the method from (a, u): ``(a_new, u_new, loss at (a, u))``."""
        dt, tab = self.dt, self.tableau
        ks = []
        for i in range(tab.stages):
            if i == 0:
                ai, ui = a, u
            else:
                ai = a + dt * _lin([(tab.a[i][j], ks[j][0]) for j in range(i)])
                ui = u + dt * _lin([(tab.a[i][j], ks[j][1]) for j in range(i)])
            va, vu, loss_i = self._smooth(ai, ui, traced=traced)
            if i == 0:
                loss = loss_i
            ks.append((va, vu))
        a_new = a + dt * _lin([(tab.b[i], ks[i][0]) for i in range(tab.stages)])
        u_new = u + dt * _lin([(tab.b[i], ks[i][1]) for i in range(tab.stages)])
        if self.l1:
            a_new = self._prox(a_new, dt)
        return a_new, u_new, loss

    def _euler_into(self, a, u, a_out, u_out):
        """numpy fast path: one Euler step from (a, u) written into (a_out, u_out) (preallocated; the
        velocity buffers are reused). The same arithmetic as an in-place update. Returns the loss at (a, u)."""
        key = (a.shape, u.shape)
        if self._bufs.get("key") != key:
            self._bufs = {"key": key, "va": np.empty(a.shape), "vu": np.empty(u.shape)}
        va, vu = self._bufs["va"], self._bufs["vu"]
        _, _, loss = self._smooth(a, u, out=(va, vu))
        va *= self.dt
        np.add(a, va, out=a_out)
        vu *= self.dt
        np.add(u, vu, out=u_out)
        if self.l1:
            a_out[...] = self._prox(a_out, self.dt)
        return loss

    def run(self, state: State, steps: int, *, every: int = 0, callback=None, blas_single=None,
            check_finite: bool = True) -> State:
        """``steps`` steps from ``state`` (not modified); returns the final State.

        ``callback(step_index, state, loss_before)`` is called every ``every`` steps (and after
        the last one) if given. Ctrl-C (SIGINT, when running in the main thread) is deferred to the
        next step boundary, so the state is always consistent: a ``KeyboardInterrupt`` is raised
        carrying ``state`` (the State after ``steps_done`` complete steps) and ``steps_done``. A
        KeyboardInterrupt raised by the callback carries them too. The state given to the callback is valid
        during the call (the numpy Euler path reuses its buffers): copy it to keep it.

        Divergence (``check_finite``, default): after every step the loss at the previous state and the new
        parameters must be finite; if not, :class:`Diverged` is raised carrying the last state whose parameters
        and loss are finite (numpy's overflow warnings are silenced inside: the check replaces them). On numpy,
        BLAS runs on one thread inside (``blas_single``, default: numpy backend; :func:`numerics.dynamics.backend.blas_threads`).
        """
        if not isinstance(steps, int) or steps < 0:
            raise _invalid(f"steps must be a non-negative integer, got {steps!r}")
        xp = self.field.xp
        self.field.check_state(state[0], state[1])
        fast = B.is_numpy(xp) and self.method == "euler"
        use_blas1 = B.is_numpy(xp) if blas_single is None else blas_single
        if fast:
            a, u = np.array(state[0], dtype=np.float64, copy=True), np.array(state[1], dtype=np.float64,
                                                                               copy=True)
            # three buffers in rotation: the step writes S_s where S_{s-3} was, so that S_{s-1} and S_{s-2} (the
            # last finite state when the loss at S_{s-1} is not finite) survive the step
            ring = [(a, u), (np.empty_like(a), np.empty_like(u)), (np.empty_like(a), np.empty_like(u))]
        else:
            a, u = state
        if self.compile and B.backend_name(xp) == "jax" and hasattr(self.field, "evaluate_xp"):
            return self._run_compiled(a, u, steps, every, callback, check_finite)
        quiet = (np.errstate(over="ignore", invalid="ignore", divide="ignore") if check_finite
                 else contextlib.nullcontext())
        prev = None  # S_{s-1} while S_s is computed: (a, u, step)
        with blas_single_thread(use_blas1), _deferred_sigint() as pending, quiet:
            for s in range(1, steps + 1):
                if fast:
                    a_new, u_new = ring[s % 3]
                    self.last_loss = self._euler_into(a, u, a_new, u_new)
                else:
                    a_new, u_new, self.last_loss = self._step_arrays(a, u)
                if check_finite:
                    if not math.isfinite(float(self.last_loss)):
                        good = (State(prev[0], prev[1]), prev[2]) if prev is not None else (State(a, u), s - 1)
                        raise Diverged(f"the loss is {float(self.last_loss)}", step=s - 1,
                                       state=good[0], steps_done=good[1])
                    if not _all_finite(xp, a_new, u_new):
                        raise Diverged("the parameters are not finite", step=s, state=State(a, u),
                                       steps_done=s - 1)
                prev = (a, u, s - 1)
                a, u = a_new, u_new
                self._at_boundary(s, steps, every, callback, a, u, pending, prev)
        return State(a, u)

    def _run_compiled(self, a, u, steps, every, callback, check_finite=True):
        """:meth:`run` on JAX: chunks of steps in one jitted ``lax.fori_loop`` (trip count traced:
        one compilation per flow and shapes), chunks ending at the callback steps, at most
        ``COMPILED_CHUNK`` steps and about ``COMPILED_CHUNK_S`` seconds long, so that Ctrl-C is
        honoured within one chunk (the state returned or carried is always at a chunk boundary)."""
        import jax

        # the traced step bakes in the step sizes, regulariser and field: recompile if any changed
        key = (self.method, self.dt, self.dt_inner, self.l1, self.weight_decay, self.train_outer, id(self.field))
        if self._compiled is None or self._compiled[0] != key:
            def advance(a, u, nsteps):
                def body(i, carry):
                    return self._step_arrays(carry[0], carry[1], traced=True)
                zero = self.field.xp.zeros((), dtype=u.dtype)
                return jax.lax.fori_loop(0, nsteps, body, (a, u, zero))
            self._compiled = (key, jax.jit(advance))
        s = 0
        size = min(8, self.COMPILED_CHUNK)  # steps per call, adapted so that a call lasts ~COMPILED_CHUNK_S
        with _deferred_sigint() as pending:
            while s < steps:
                chunk = min(steps - s, size)
                if every:
                    chunk = min(chunk, every - s % every)
                t0 = time.perf_counter()
                a0, u0, s0 = a, u, s
                a, u, loss = self._compiled[1](a, u, chunk)
                s += chunk
                self.last_loss = float(loss)  # also waits for the chunk to finish
                # divergence is seen at chunk boundaries: the state kept is the last chunk's end
                if check_finite and not (math.isfinite(self.last_loss) and _all_finite(self.field.xp, a, u)):
                    raise Diverged(f"the loss or the parameters are not finite (steps {s0 + 1}..{s})",
                                   step=s, state=State(a0, u0), steps_done=s0)
                per_step = (time.perf_counter() - t0) / chunk
                size = max(1, min(self.COMPILED_CHUNK, 8 * size, int(self.COMPILED_CHUNK_S / max(per_step, 1e-9))))
                self._at_boundary(s, steps, every, callback, a, u, pending, (a0, u0, s0))
        return State(a, u)

    def _at_boundary(self, s, steps, every, callback, a, u, pending, prev=None):
        """After step ``s``: the callback when due, then a pending Ctrl-C; a KeyboardInterrupt (from
        either) leaves carrying the consistent ``state`` and ``steps_done``. A :class:`Diverged` from the
        callback (its diagnostics of step ``s`` not finite) leaves carrying ``prev``, the state before."""
        try:
            if callback is not None and ((every and s % every == 0) or s == steps):
                callback(s, State(a, u), self.last_loss)
            if pending():
                raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            exc.state = State(a, u)
            exc.steps_done = s
            raise
        except Diverged as exc:
            if exc.state is None and prev is not None:
                exc.state, exc.steps_done = State(prev[0], prev[1]), prev[2]
                exc.step = s if exc.step is None else exc.step
            raise

    # -- diagnostics ------------------------------------------------------------
    def energy(self, state: State) -> float:
        """F(mu) = R + int V dmu (MATH.md §1.1)."""
        xp = self.field.xp
        a, u = state
        F = self.field.loss(a, u)
        m = u.shape[0]
        mass = getattr(self.field, "_masses", lambda m: None)(m)
        w = (xp.ones((m,), dtype=u.dtype) / m) if mass is None else mass
        if self.l1:
            F += self.l1 * float(xp.sum(w * _fro(xp, a)))
        if self.weight_decay:
            sq = xp.sum(xp.reshape(a * a, (m, -1)), axis=1) + xp.sum(u * u, axis=1)
            F += 0.5 * self.weight_decay * float(xp.sum(w * sq))
        return F

    def diagnostics(self, state: State) -> dict:
        """loss, energy, stationarity residual max_j |theta_j'|, moments (MATH.md §1.2)."""
        xp = self.field.xp
        a, u = state
        m = u.shape[0]
        va, vu = self.velocity(state)
        speed2 = xp.sum(xp.reshape(va * va, (m, -1)), axis=1) + xp.sum(vu * vu, axis=1)
        na2 = xp.sum(xp.reshape(a * a, (m, -1)), axis=1)
        nu2 = xp.sum(u * u, axis=1)
        return {
            "loss": self.field.loss(a, u),
            "energy": self.energy(state),
            "stationarity_residual": math.sqrt(float(xp.max(speed2))),
            "dissipation": float(xp.mean(speed2)),  # (1/m) sum_j |theta_j'|^2 = -dF/dt (uniform masses)
            "mean_sq_a": float(xp.mean(na2)),
            "mean_sq_u": float(xp.mean(nu2)),
            "max_norm": math.sqrt(float(xp.max(na2 + nu2))),
        }


def ntk_flow(X, Y, a, *, eta, activation, bias=False, train_outer=False, xp=None):
    r"""NTK-scaled gradient descent of MATH.md §4.1 (Du, Zhai, Poczos, Singh 2018) on the engine.

    Network :math:`f(x)=rac1{\sqrt m}\sum_r a_r\sigma(w_r\cdot x)` (no bias by default), sum loss
    :math:`L=\sum_irac12(f(x_i)-y_i)^2`, output weights ``a`` frozen (``train_outer=False``), GD
    :math:`w_r\leftarrow w_r-\eta\,\partial L/\partial w_r`. In the engine's terms: masses :math:`1/\sqrt m`,
    :math:`L=nR`, and :math:`\partial L/\partial w_r=-rac{n}{\sqrt m}\,u_r'`, so one GD step is one Euler
    step with ``dt_inner`` :math:`=\eta n/\sqrt m` (the outer step likewise when ``train_outer``).
    Returns the :class:`ParticleFlow`; run it from ``State(a, W)``. ``activation``: an object of the
    activation protocol of :class:`NetField` (:func:`proofs.dynamics.ntk_flow` takes names, default relu).
    """
    a = np.asarray(B.to_numpy(a), dtype=np.float64)
    m = a.shape[0]
    n = np.asarray(B.to_numpy(X)).shape[0]
    field = NetField(X, Y, activation, mass=np.full(m, 1.0 / math.sqrt(m)), xp=xp, bias=bias)
    h = float(eta) * n / math.sqrt(m)
    return ParticleFlow(field, dt=h, dt_inner=h, train_outer=train_outer)


def w2_distance(s1: State, s2: State, mass1=None, mass2=None) -> float:
    """Wasserstein-2 distance between two particle measures (points theta_j = (a_j, u_j), masses
    default uniform), exact optimal transport by POT (``ot.emd2``; pip install 'escset[ot]')."""
    try:
        import ot
    except ImportError:
        raise _invalid("w2_distance needs POT: pip install 'escset[ot]'") from None
    P = np.hstack([np.asarray(B.to_numpy(s1[0])).reshape(s1.m, -1), np.asarray(B.to_numpy(s1[1]))])
    Q = np.hstack([np.asarray(B.to_numpy(s2[0])).reshape(s2.m, -1), np.asarray(B.to_numpy(s2[1]))])
    if P.shape[1] != Q.shape[1]:
        raise _invalid(f"particles of different dimensions: {P.shape[1]} and {Q.shape[1]}")
    w1 = np.full(len(P), 1.0 / len(P)) if mass1 is None else np.asarray(mass1, float) / np.sum(mass1)
    w2 = np.full(len(Q), 1.0 / len(Q)) if mass2 is None else np.asarray(mass2, float) / np.sum(mass2)
    from scipy.spatial.distance import cdist

    M = cdist(P, Q, "sqeuclidean")  # differences formed directly: accurate for nearby measures
    G = ot.emd(w1, w2, M)  # optimal plan; the cost is summed here (emd2 rounds tiny costs to 0)
    return float(np.sqrt(max(float(np.sum(G * M)), 0.0)))


@contextlib.contextmanager
def _deferred_sigint():
    """Within: SIGINT only sets a flag (checked by the caller between steps); restored after.

    Outside the main thread (where handlers cannot be installed) it is a no-op."""
    hit = []

    def handler(signum, frame):
        hit.append(signum)

    try:
        old = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield lambda: False
        return
    try:
        yield lambda: bool(hit)
    finally:
        signal.signal(signal.SIGINT, old)


def _fro(xp, a):
    m = a.shape[0]
    return xp.sqrt(xp.sum(xp.reshape(a * a, (m, -1)), axis=1))
