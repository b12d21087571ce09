"""Lesson 07's exercises and figures (fgsm_edu.certificates): each checker accepts the idea written correctly,
names the mistakes it recognises, and the reference computations agree with the package's own modules."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from scipy.stats import beta, norm

import fgsm_edu as fe
from fgsm_edu import certificates, eot, smoothing, universal
from fgsm_edu.exercises import wrong
from fgsm_edu.i18n import t

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def cnn():
    return fe.load_model("mnist_cnn")


@pytest.fixture(scope="module")
def digits():
    data = fe.load_mnist_data()
    return data.x_test[:40], data.y_test[:40]


def message(key: str, **fields: object) -> str:
    """The message a wrong verdict with this reason shows."""
    return wrong(key, **fields).message


# --- Section 1: the certified radius ---------------------------------------------------------------------


def test_the_radius_is_cohen_et_al_s_from_the_clopper_pearson_bound():
    p_lower = beta.ppf(0.001, 480, 21)
    assert certificates.clopper_pearson_lower(480, 500, 0.001) == pytest.approx(p_lower)
    assert certificates.certified_radius(480, 500, 0.5, 0.001) == pytest.approx(0.5 * norm.ppf(p_lower))
    assert certificates.certified_radius(260, 500, 0.5, 0.001) == 0.0  # the bound is below 1/2: abstain
    assert certificates.certified_radius(0, 500, 0.5, 0.001) == 0.0
    # all copies agree: pA = alpha ** (1 / n), the ceiling, 2.46 sigma at n = 1,000 (robust-training-facts.md)
    assert certificates.largest_radius(1.0, 1000, 0.001) == pytest.approx(norm.ppf(0.001 ** (1 / 1000)))
    assert certificates.largest_radius(1.0, 1000, 0.001) == pytest.approx(2.46, abs=0.01)
    assert certificates.largest_radius(1.0, 100_000, 0.001) == pytest.approx(3.81, abs=0.01)


def test_the_radius_matches_smoothing_certify_on_its_own_counts():
    model, sigma = fe.load_model("mnist_cnn_noise50"), 0.5
    x = fe.load_mnist_data().x_test[:8]
    cert = smoothing.certify(model, x, sigma, n0=50, n=200, alpha=0.001, seed=3)
    counts = smoothing.noise_counts(model, x, sigma, 200, seed=3)
    assert (cert.prediction >= 0).sum() >= 6
    for i in np.flatnonzero(cert.prediction >= 0):
        ours = certificates.certified_radius(int(counts[i, cert.prediction[i]]), 200, sigma, 0.001)
        assert ours == pytest.approx(float(cert.radius[i]), abs=1e-6)


def test_check_certified_radius_accepts_the_radius_and_names_the_mistakes():
    check, n, sigma, alpha = certificates.check_certified_radius, 500, 0.5, 0.001
    count = 480
    p_lower = beta.ppf(alpha, count, n - count + 1)
    assert check(sigma * norm.ppf(p_lower), count, n, sigma, alpha)
    assert "\u2714" in str(check(np.float32(sigma * norm.ppf(p_lower)), count, n, sigma, alpha))
    estimate = check(sigma * norm.ppf(count / n), count, n, sigma, alpha)
    assert not estimate and "counts / n" in estimate.message
    assert not check(norm.ppf(p_lower), count, n, sigma, alpha)  # no sigma
    two_sided = check(sigma * norm.ppf(beta.ppf(alpha / 2, count, n - count + 1)), count, n, sigma, alpha)
    assert not two_sided and "two-sided" in two_sided.message
    infinite = check(np.inf, n, n, sigma, alpha)  # all agree, the share taken as pA
    assert not infinite and infinite.message == message("certificates.radius_infinite")
    assert not check(0.1, count, n, sigma, alpha) and not check(None, count, n, sigma, alpha)
    # an abstention: the bound is below 1/2, the radius is 0, and the formula's negative value is named
    low = beta.ppf(alpha, 260, n - 260 + 1)
    assert check(0, 260, n, sigma, alpha)
    negative = check(sigma * norm.ppf(low), 260, n, sigma, alpha)
    assert not negative and "abstains" in negative.message
    assert not check("a lot", count, n, sigma, alpha)  # feedback, not an exception


# --- Section 2: one universal step -----------------------------------------------------------------------


def test_universal_step_is_universal_fgsm_s_step(cnn, digits):
    x, y = digits
    one = universal.universal_fgsm(cnn, x, y, eps=0.2, steps=1, step_size=0.05)
    assert np.array_equal(universal.universal_step(cnn, x, y, np.zeros_like(x[0]), 0.2, 0.05), one)
    two = universal.universal_fgsm(cnn, x, y, eps=0.2, steps=2, step_size=0.15)
    step = universal.universal_step(cnn, x, y, universal.universal_step(cnn, x, y, 0 * x[0], 0.2, 0.15), 0.2, 0.15)
    assert np.mean(step == two) > 0.995


def test_check_universal_step_accepts_the_step_and_names_the_mistakes(cnn, digits):
    x, y = digits
    check, eps, step = certificates.check_universal_step, 0.2, 0.05
    delta = universal.universal_fgsm(cnn, x, y, eps=eps, steps=4)
    g = fe.input_gradient(cnn, np.clip(x + delta, 0, 1), y)
    good = np.clip(delta + step * np.sign(g.sum(0)), -eps, eps)
    assert check(good, cnn, x, y, delta, eps, step)
    cases = {
        "certificates.step_descent": np.clip(delta - step * np.sign(g.sum(0)), -eps, eps),
        "certificates.step_votes": np.clip(delta + step * np.sign(np.sign(g).sum(0)), -eps, eps),
        "certificates.step_no_projection": delta + step * np.sign(g.sum(0)),
        "certificates.step_at_x": np.clip(delta + step * np.sign(fe.input_gradient(cnn, x, y).sum(0)), -eps, eps),
    }
    for key, answer in cases.items():
        verdict = check(answer, cnn, x, y, delta, eps, step)
        assert not verdict and verdict.message == message(key, eps=eps), key
    per_image = check(np.clip(delta + step * np.sign(g), -eps, eps), cnn, x, y, delta, eps, step)
    assert not per_image and per_image.message == message("certificates.step_per_image", eps=eps)
    assert not check(delta, cnn, x, y, delta, eps, step)  # no step at all
    assert not check(np.zeros((5, 5)), cnn, x, y, delta, eps, step)  # feedback, not an exception


# --- Section 3: an attack that survives -------------------------------------------------------------------


def test_check_survives_accepts_eot_and_rejects_fragile_or_out_of_budget_images(cnn, digits):
    x, y = digits
    right = fe.predict(cnn, x).ids[:, 0] == y
    x, y = x[right][:20], y[right][:20]
    shifts = eot.Transforms(shift=2.0, rotate=0.0, brightness=0.0, jpeg_quality=None)
    check = certificates.check_survives
    made = eot.eot_pgd(cnn, x, y, eps=0.2, transforms=shifts, steps=10, samples=8, seed=0)
    rate = eot.survival_rate(cnn, made, y, shifts, draws=20, seed=1)
    assert check(made, cnn, x, y, 0.2, shifts, goal=rate - 0.01)
    assert not check(made, cnn, x, y, 0.2, shifts, goal=min(1.0, rate + 0.05))
    unmoved = check(x.copy(), cnn, x, y, 0.2, shifts, goal=0.5)
    assert not unmoved and unmoved.message == message("certificates.survive_unmoved", goal=0.5)
    plain = fe.pgd(cnn, x, y, eps=0.2, steps=10, seed=0)
    fragile = check(plain, cnn, x, y, 0.2, shifts, goal=0.99)
    assert not fragile and ("%" in fragile.message) and fragile.hint
    assert not check(np.clip(x + 0.3, 0, 1), cnn, x, y, 0.2, shifts, goal=0.5)  # beyond the budget
    assert not check(x[:3], cnn, x, y, 0.2, shifts, goal=0.5)  # wrong shape: feedback, not an exception


# --- Figures and the catalogue ---------------------------------------------------------------------------


def test_the_figures_draw_the_curves_the_published_ranges_and_the_noise():
    radii = np.linspace(0, 2, 11)
    measured = {0.5: (radii, np.linspace(1, 0, 11)), 1.0: (radii, np.linspace(0.9, 0.1, 11))}
    fig = certificates.show_certified_accuracy(measured, smoothing.PUBLISHED_CERTIFIED)
    ax = fig.axes[0]
    assert len(ax.lines) >= 2 and ax.get_title() == t("certificates.title")
    assert len(ax.get_legend().get_texts()) == 4  # two measured curves, two published series
    noisy = certificates.show_noisy(fe.load_mnist_data().x_test[0], (0.25, 1.0))
    assert [a.get_title() for a in noisy.axes] == [t("certificates.clean"), "σ = 0.25", "σ = 1.0"]


def test_every_feedback_key_exists_in_both_languages():
    import re
    from pathlib import Path

    source = Path(certificates.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'"(certificates\.\w+)"', source))
    assert len(keys) > 20
    for lang in ("en", "ja"):
        for key in keys:
            assert t(key, lang, answer=1.0, expected=1.0, sigma=0.5, eps=0.2, share=0.5, rate=0.5, goal=0.7, fooled=1.0)
