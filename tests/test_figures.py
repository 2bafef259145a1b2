"""Figures a paper can use: paper widths, readable fonts, labelled axes, the particles' own coordinates, the teacher
overlay, atomic writes (proofs.style, proofs.plotting)."""
import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from proofs import plotting, style  # noqa: E402


def _hist(n=25):
    t = np.linspace(0, 10, n)
    return {"t": t, "loss": np.exp(-t), "stationarity_residual": np.exp(-t / 2)}


def test_style_sizes_and_fonts():
    fig, ax = style.figure(1)
    assert abs(fig.get_size_inches()[0] - style.ONE_COLUMN_IN) < 1e-9
    plt = style.pyplot()
    plt.close(fig)
    fig, axes = style.figure(2, ncols=2)
    assert abs(fig.get_size_inches()[0] - style.TWO_COLUMN_IN) < 1e-9 and len(axes) == 2
    assert min(style.RC["xtick.labelsize"], style.RC["legend.fontsize"], style.RC["axes.labelsize"]) >= 7
    plt.close(fig)
    with pytest.raises(Exception):
        style.figure(3)


def test_run_figure_has_labels_markers_and_teacher(tmp_path, monkeypatch):
    saved = {}
    real_save = style.save

    def spy(fig, path):
        saved["fig"] = fig
        saved["axes"] = [(ax.get_xlabel(), ax.get_ylabel(), ax.get_legend_handles_labels()[1],
                          [len(c.get_offsets()) for c in ax.collections], [len(ln.get_xdata()) for ln in ax.lines])
                         for ax in fig.axes]
        real_save(fig, path)

    monkeypatch.setattr(style, "save", spy)
    rng = np.random.default_rng(0)
    a, u = rng.normal(size=(40, 1, 1)), rng.normal(size=(40, 3))
    ta, tu = rng.normal(size=(3, 1, 1)), rng.normal(size=(3, 3))
    path = tmp_path / "run.png"
    plotting.plot_run(str(path), _hist(), (a, u), "sigmoid, m=40", teacher=(ta, tu))
    assert path.stat().st_size > 1000
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # atomic: no temporary file left
    (x0, y0, leg0, _, lines0), (x1, y1, leg1, pts1, _) = saved["axes"][:2]
    assert "time" in x0 and y0 and lines0 == [25, 25] and len(leg0) == 2  # both curves, every recorded point
    assert x1 == "$u_{j,1}$" and y1 == "$u_{j,2}$"  # the particles' own coordinates, not a projection
    assert pts1 == [40, 3] and "teacher" in leg1  # students, and the teacher overlaid
    assert saved["axes"][2][1] == "$u_{j,3}$"  # the third coordinate as the colour bar


def test_one_dimensional_particles_show_u_against_a(tmp_path):
    fig, ax = style.figure(1)
    plotting.particle_panel(ax, np.ones((5, 1)), np.arange(5.0).reshape(5, 1), teacher=(np.ones((2, 1)), np.zeros((2, 1))))
    assert ax.get_xlabel() == "inner parameter $u_j$" and ax.get_ylabel() == "output weight $a_j$"
    style.save(fig, str(tmp_path / "p.pdf"))
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")


def test_teacher_particles_leave_the_data_unchanged_and_reach_the_plot(tmp_path, monkeypatch):
    """teacher_data(particles=True) draws the same stream (bit-identical data), and simulate hands the teacher's
    particles to the plot, with 101 recorded points by default."""
    import numpy as np

    from proofs.problem.teacher import teacher_data
    from proofs import plotting
    from proofs.simulate import simulate

    class _F:
        def __init__(self, X):
            self.X = X

        def predict(self, a, u):
            return np.tanh(self.X @ u.T) @ a[:, :, 0]

    mk = lambda X, Y: _F(X)  # noqa: E731
    X1, Y1 = teacher_data(mk, np.random.default_rng(3), n=5, m0=2, k=1, q=1, p_u=2, p_x=2)
    X2, Y2, (a0, u0) = teacher_data(mk, np.random.default_rng(3), n=5, m0=2, k=1, q=1, p_u=2, p_x=2, particles=True)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2) and a0.shape == (2, 1, 1) and u0.shape == (2, 2)
    seen = {}
    real = plotting.plot_run

    def spy(path, hist, state, title, teacher=None):
        seen["teacher"], seen["points"] = teacher, len(hist["t"])
        return real(path, hist, state, title, teacher=teacher)

    monkeypatch.setattr(plotting, "plot_run", spy)
    simulate("sigmoid", m=8, steps=200, dt=0.5, teacher=3, n=16, plot=str(tmp_path / "run.png"))
    assert seen["teacher"] is not None and len(seen["teacher"][1]) == 3 and seen["points"] == 101
    assert (tmp_path / "run.png").stat().st_size > 1000
