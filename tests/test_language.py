"""The message catalogue in English and Japanese: plots, errors, the Japanese font and its absence."""

from __future__ import annotations

import io
import re
import string
import subprocess
import sys
import warnings
from collections.abc import Iterator

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import fgsm_edu as fe
from fgsm_edu import i18n, plots

JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")  # kana, kanji, Japanese punctuation
MISSING_GLYPH = r".*[Gg]lyph .* missing from"


@pytest.fixture
def japanese() -> Iterator[None]:
    """Japanese for one test, English (and matplotlib's font) restored afterwards."""
    family = list(matplotlib.rcParams["font.family"])
    fe.set_language("ja")
    try:
        yield
    finally:
        fe.set_language("en")
        assert list(matplotlib.rcParams["font.family"]) == family


def fields(text: str) -> set[str]:
    """The str.format field names of a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def png(fig: Figure) -> None:
    """Render a figure to PNG (this is when matplotlib looks up every glyph)."""
    fig.savefig(io.BytesIO(), format="png")


# Same keys and placeholders in every language, Japanese texts in Japanese: tests/test_catalogue.py.


def test_t_follows_the_language_and_the_lang_argument():
    assert i18n.t("plots.accuracy") == "accuracy"
    assert i18n.t("plots.accuracy", lang="ja") == "正解率"
    fe.set_language("ja")
    try:
        assert fe.get_language() == "ja" and i18n.t("plots.accuracy") == "正解率"
        assert i18n.t("plots.accuracy", lang="en") == "accuracy"
    finally:
        fe.set_language("en")
    with pytest.raises(fe.InvalidArgumentError, match="language must be one of"):
        fe.set_language("fr")


def test_widgets_take_their_text_from_the_one_catalogue():
    source = (plots.__file__.rsplit("/", 1)[0]) + "/widgets.py"
    with open(source, encoding="utf-8") as f:
        code = f.read()
    assert "MESSAGES" not in code.replace("fgsm_edu.i18n.MESSAGES", "")  # no second catalogue
    used = set(re.findall(r'"(widgets\.[a-z_]+)"', code))
    assert used and used <= set(i18n.MESSAGES)


def test_plots_speak_japanese(japanese, digits, digits_cnn):
    image = digits.x_test[0]
    fig = plots.show_image(image, digits_cnn)
    assert fig.axes[0].get_title().startswith("予測：")
    fig = plots.show_perturbation(np.sign(fe.input_gradient(digits_cnn, image)))
    assert fig.axes[0].get_title() == "摂動：勾配の符号" and "灰色 = 0" in fig.axes[0].get_xlabel()
    sweep = fe.fgsm_sweep(digits_cnn, image, int(digits.y_test[0]), epsilons=[0, 0.1])
    assert "敵対的画像" in plots.show_sweep(digits_cnn, sweep).get_suptitle()
    records = fe.evaluate(digits_cnn, (digits.x_test[:40], digits.y_test[:40]), [0, 0.1], progress=False)
    fig = plots.show_curves(records)
    assert [ax.get_ylabel() for ax in fig.axes] == ["正解率", "予測の平均確信度"]
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "モデル"
    fooled = fe.most_confidently_fooled(digits_cnn, digits.x_test[:40], digits.y_test[:40], eps=0.2, k=2)
    assert "誤分類" in plots.show_fooled(digits_cnn, fooled).get_suptitle()


def test_plots_in_english_are_unchanged(digits, digits_cnn):
    fig = plots.show_perturbation(np.sign(fe.input_gradient(digits_cnn, digits.x_test[0])))
    assert fig.axes[0].get_title() == "Perturbation: sign of the gradient"
    assert fig.axes[0].get_xlabel().startswith("scaled for visibility:\ngrey = 0, black = -")


def test_japanese_figures_have_every_glyph(japanese, digits, digits_cnn):
    """Every plot, and Japanese text mixed with the symbols the plots use, render with no missing glyph."""
    image = digits.x_test[0]
    sweep = fe.fgsm_sweep(digits_cnn, image, 3, epsilons=[0, 0.05, 0.3])  # a wrong label: "✗" panels
    fooled = fe.most_confidently_fooled(digits_cnn, digits.x_test[:40], digits.y_test[:40], eps=0.2, k=2)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        figures = [
            plots.show_image(image, digits_cnn, title="敵対的サンプル（adversarial example）"),
            plots.show_perturbation(sweep.perturbation),
            plots.show_sweep(digits_cnn, sweep),
            plots.show_curves({"CNN（畳み込み）": [{"eps": 0.0, "accuracy": 1.0, "mean_confidence": 0.9}]}),
            plots.show_fooled(digits_cnn, fooled),
        ]
        for fig in figures:
            png(fig)
        fig = Figure()
        fig.add_subplot().set_title("摂動 ε = 0.05、損失 −1 → ✗ ✓（勾配）")
        png(fig)


def test_the_missing_glyph_check_can_fail():
    """Without the Japanese font, matplotlib's DejaVu Sans lacks kana: the warning turned into an error above."""
    assert fe.get_language() == "en"
    with warnings.catch_warnings(), matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        fig = Figure()
        fig.add_subplot().set_title("敵対的サンプル")
        with pytest.raises(UserWarning):
            png(fig)


def test_japanese_error_messages_and_unchanged_english(digits_cnn):
    x = np.full((8, 8, 1), 200.0, dtype=np.float32)
    with pytest.raises(fe.InvalidArgumentError, match="divide by 255 to get the"):
        fe.fgsm(digits_cnn, x, 1, eps=0.1)
    fe.set_language("ja")
    try:
        cases = [
            (lambda: fe.fgsm(digits_cnn, x, 1, eps=0.1), "255 で割って"),
            (lambda: fe.fgsm(digits_cnn, x / 255, 1, eps=8), "8/255 = 0.0314 のことでしょうか"),
            (lambda: fe.fgsm(digits_cnn, x / 255, 1, eps=-0.1), "0 以上"),
            (lambda: fe.fgsm(digits_cnn, x / 255, 12, eps=0.1), "10 未満の整数"),
            (
                lambda: fe.load_model("digits-cnn"),
                "'digits-cnn' というモデルはありません.*'digits_cnn' のことでしょうか",
            ),
        ]
        for call, expected in cases:
            with pytest.raises(fe.FgsmEduError, match=expected):
                call()
    finally:
        fe.set_language("en")


def test_missing_font_warns_once_with_the_pip_command(monkeypatch):
    real_import = i18n.importlib.import_module

    def no_fontja(name: str, *args: object) -> object:
        if name == "matplotlib_fontja":
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(i18n.importlib, "import_module", no_fontja)
    monkeypatch.setitem(i18n._font, "warned", False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    family = list(matplotlib.rcParams["font.family"])
    try:
        with pytest.warns(UserWarning, match="pip install matplotlib-fontja"):
            fe.set_language("ja")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fe.set_language("ja")  # once is enough
        assert i18n.t("plots.accuracy") == "正解率"  # the text is Japanese all the same
        assert list(matplotlib.rcParams["font.family"]) == family
    finally:
        fe.set_language("en")


def test_on_colab_a_missing_font_is_installed_with_pip(monkeypatch, capsys):
    real_import = i18n.importlib.import_module
    installed: list[list[str]] = []

    def fontja_after_install(name: str, *args: object) -> object:
        if name == "matplotlib_fontja" and not installed:
            raise ImportError(name)
        return real_import(name, *args)

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        installed.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(i18n.importlib, "import_module", fontja_after_install)
    monkeypatch.setattr(i18n.subprocess, "run", fake_run)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fe.set_language("ja")
        assert installed == [[sys.executable, "-m", "pip", "install", "--quiet", "matplotlib-fontja"]]
        assert "matplotlib-fontja" in capsys.readouterr().out
        assert matplotlib.rcParams["font.family"][0] == "IPAexGothic"
    finally:
        fe.set_language("en")


KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_PROSE = re.compile(r"\b(must|got|expected|pass|use|is not|needs|the)\b")  # words of the English texts


def assert_japanese(text: str) -> None:
    """Japanese, and none of the English messages' words outside code spans and quoted values."""
    prose = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "", text)
    assert KANA_OR_KANJI.search(text) and not ENGLISH_PROSE.search(prose), text


def _softmax_model():
    import keras

    inputs = keras.Input((8, 8, 1))
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))


LEARNER_ERRORS = {
    "wrong number of labels": lambda m, x, tmp: fe.fgsm(m, np.stack([x, x, x]), [1, 2], eps=0.1),
    "a list as eps": lambda m, x, tmp: fe.fgsm(m, x, 1, eps=[0.1, 0.2]),
    "wrong image size": lambda m, x, tmp: fe.fgsm(m, np.zeros((28, 28, 1), np.float32), 1, eps=0.1),
    "wrong channels": lambda m, x, tmp: fe.fgsm(m, np.zeros((8, 8, 3), np.float32), 1, eps=0.1),
    "a class name as label": lambda m, x, tmp: fe.fgsm(m, x, "three", eps=0.1),
    "targeted without y": lambda m, x, tmp: fe.fgsm(m, x, None, eps=0.1, targeted=True),
    "a softmax model": lambda m, x, tmp: fe.fgsm(_softmax_model(), x, 1, eps=0.1),
    "an array to load_image": lambda m, x, tmp: fe.load_image(np.zeros((8, 8, 3))),
    "an unreadable image file": lambda m, x, tmp: fe.load_image(tmp),
    "an unknown language": lambda m, x, tmp: fe.set_language("fr"),
}


@pytest.mark.parametrize("case", list(LEARNER_ERRORS))
def test_errors_a_learner_can_trigger_are_japanese_in_ja_mode(case, digits_cnn, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image", encoding="utf-8")
    x = np.full((8, 8, 1), 0.5, np.float32)
    with pytest.raises(fe.FgsmEduError) as english:
        LEARNER_ERRORS[case](digits_cnn, x, notes)
    assert not KANA_OR_KANJI.search(str(english.value))  # English stays English
    fe.set_language("ja")
    try:
        with pytest.raises(fe.FgsmEduError) as japanese:
            LEARNER_ERRORS[case](digits_cnn, x, notes)
    finally:
        fe.set_language("en")
    assert type(japanese.value) is type(english.value)
    assert_japanese(str(japanese.value))


def test_the_upload_widget_explains_a_bad_file_in_japanese(digits_cnn):
    from fgsm_edu import widgets

    fe.set_language("ja")
    try:
        explorer = widgets.photo_explorer(digits_cnn)
        assert not explorer.load(b"plain text, not an image", "notes.txt")
    finally:
        fe.set_language("en")
    text = re.sub(r"<[^>]+>", "", explorer.message.value)
    assert text.startswith("このファイルは使えません：notes.txt は読み込める画像ではありません（未知のファイル形式）")
    assert_japanese(text)


def test_check_environment_speaks_the_lessons_language(monkeypatch, capsys):
    from fgsm_edu import environment as env

    monkeypatch.setattr(
        env,
        "installed_versions",
        lambda: {"python": "3.11.7", "tensorflow": "2.19.0", "keras": "3.10.0", "ipywidgets": "9.0.0"},
    )
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    fe.check_environment(lang="ja")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"fgsm-edu {fe.__version__}：python 3.11.7") and out[1].startswith(
        "注意：ipywidgets 9.0.0"
    )
    assert_japanese(out[1])
    monkeypatch.setattr(
        env,
        "installed_versions",
        lambda: {"python": "3.11.7", "tensorflow": "2.15.0", "keras": None, "ipywidgets": "8.1.0"},
    )
    with pytest.raises(fe.FgsmEduError) as info:
        fe.check_environment(lang="ja")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("tensorflow 2.15.0 は古すぎます") and lines[1].startswith(
        "keras がインストールされていません"
    )
    assert lines[-1] == "そのあとカーネルを再起動してください（「カーネル」>「カーネルを再起動」）。"
    with pytest.raises(fe.FgsmEduError, match="tensorflow 2.15.0 is too old"):
        fe.check_environment(lang="en")


def test_before_set_language_the_setup_cell_follows_the_locale(monkeypatch):
    from fgsm_edu import environment as env

    monkeypatch.setitem(i18n._state, "chosen", "")
    for variable in env.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert env.setup_language() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert env.setup_language() == "ja" and env.setup_language("en") == "en"
    monkeypatch.setenv("FGSM_EDU_LANG", "en")
    assert env.setup_language() == "en"
    monkeypatch.setattr(env.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("FGSM_EDU_LANG", "ja")
    with pytest.raises(env.MissingTensorFlowError, match="TensorFlow が必要ですが") as info:
        env.require_tensorflow(colab=True)
    assert "「ランタイム」>「ランタイムのタイプを変更」" in str(info.value)
    monkeypatch.setitem(i18n._state, "chosen", "en")
    assert env.setup_language() == "en"  # set_language wins over the locale


def test_an_empty_answer_is_not_close_in_japanese():
    from fgsm_edu import exercises as ex

    fe.set_language("ja")
    try:
        empty, wrong = ex.check_eps_units(None, 0.1), ex.check_eps_units(0.1, 0.1)
        broken = ex.check_eps_units("abc", 0.1)
    finally:
        fe.set_language("en")
    assert empty.message == "まだです：答えが入っていません。" and "自分の答え" in empty.hint
    assert wrong.message.startswith("惜しい：") and broken.message.startswith("確認できません：")
    assert "（" not in broken.message.split("エラー：")[0]  # no nested brackets


def test_printed_model_info_and_unnamed_classes_follow_the_language(digits_cnn):
    from fgsm_edu.models import ModelInfo, class_name

    info = fe.model_info(digits_cnn)
    assert str(info) == "digits_cnn: input (8, 8, 1), 10 classes (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)"
    fe.set_language("ja")
    try:
        assert str(info) == "digits_cnn：入力 (8, 8, 1)、10 クラス（0, 1, 2, 3, 4, 5, 6, 7, 8, 9）"
        assert class_name(ModelInfo("m", (8, 8, 1), None, 3), 2) == "クラス 2"
    finally:
        fe.set_language("en")
    assert class_name(ModelInfo("m", (8, 8, 1), None, 3), 2) == "class 2"
