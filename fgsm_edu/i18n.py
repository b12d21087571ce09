"""The learner-facing text of the package, in English and Japanese, from one catalogue.

``set_language("ja")`` switches plot titles and axis labels, widget labels, exercise feedback and
the most common error messages; English is the default. It also gives matplotlib a Japanese font
(the ``ja`` extra, ``matplotlib-fontja``) so figures show real glyphs, not empty boxes: on Colab it
installs that package if missing, elsewhere it warns once with the pip command. Used by every
lesson's ``fe.set_language(LANG)`` cell (notebooks/ja/ are the Japanese lessons).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from types import ModuleType

from fgsm_edu.errors import InvalidArgumentError

LANGUAGES = ("en", "ja")
JA_FONT_PACKAGE = "matplotlib-fontja"
FALLBACK_FONT = "DejaVu Sans"  # matplotlib's own font: symbols such as ✗ that the Japanese font lacks
_state = {"lang": "en"}
_font: dict[str, object] = {"warned": False, "previous": None}

# One catalogue: key -> {language: text}. Text may hold str.format fields.
MESSAGES: dict[str, dict[str, str]] = {
    "correct": {"en": "Correct!", "ja": "正解です！"},
    "not_quite": {"en": "Not quite: {reason}", "ja": "惜しい：{reason}"},
    "hint": {"en": "Hint: {hint}", "ja": "ヒント：{hint}"},
    # predictions.py (every lesson's "predict, then measure" cells)
    "pred_none": {
        "en": "You made no prediction. The measurement is {measured}: next time write your guess down first.",
        "ja": "予想が入っていません。測定結果は {measured} です。次は先に予想を書いてから実行しましょう。",
    },
    "pred_not_a_number": {
        "en": "Your prediction {guess!r} is not a number; the measurement is {measured}.",
        "ja": "予想 {guess!r} は数値ではありません。測定結果は {measured} です。",
    },
    "pred_number_close": {
        "en": "You predicted {guess}; the measurement is {measured} (off by {off}): close.",
        "ja": "予想は {guess}、測定結果は {measured} です（差 {off}）。近い予想でした。",
    },
    "pred_number_far": {
        "en": "You predicted {guess}; the measurement is {measured} (off by {off}). The next section explains the gap.",
        "ja": "予想は {guess}、測定結果は {measured} です（差 {off}）。このずれの理由は次の節で説明します。",
    },
    "pred_not_a_choice": {
        "en": "Your prediction {guess!r} is not one of {choices}.",
        "ja": "予想 {guess!r} は選択肢（{choices}）のどれでもありません。",
    },
    "pred_choice_same": {
        "en": "You predicted {guess!r}, and the measurement says {measured!r}.",
        "ja": "予想は {guess!r}、測定結果も {measured!r} でした。",
    },
    "pred_choice_differ": {
        "en": "You predicted {guess!r}, but the measurement says {measured!r}. The next section explains why.",
        "ja": "予想は {guess!r} でしたが、測定結果は {measured!r} でした。理由は次の節で説明します。",
    },
    # exercises.py (shared by all lessons)
    "ex_missing": {"en": "there is no answer yet.", "ja": "まだ答えが入っていません。"},
    "ex_missing_hint": {
        "en": "Replace None (or ...) with your answer and run the cell again.",
        "ja": "None（または ...）をあなたの答えに置き換えて、セルをもう一度実行してください。",
    },
    "ex_error": {"en": "the answer could not be checked ({error}).", "ja": "答えを確認できませんでした（{error}）。"},
    "ex_error_hint": {
        "en": "Compare your answer's type and shape with the variables the exercise uses.",
        "ja": "答えの型と形状を、演習で使っている変数と比べてみましょう。",
    },
    "ex_not_a_number": {
        "en": "expected one number, got {answer!r}.",
        "ja": "数値を1つ入れてください（入力：{answer!r}）。",
    },
    "ex_shape": {
        "en": "expected an array of shape {expected}, got shape {got}",
        "ja": "形状 {expected} の配列が必要ですが、形状 {got} でした",
    },
    # exercises.py, lesson 02
    "ex_lin_no_eps": {
        "en": "{answer:.4g} is ||w_c - w_y||_1 alone: the step size is missing.",
        "ja": "{answer:.4g} は ||w_c - w_y||_1 だけです。ステップの大きさ eps が抜けています。",
    },
    "ex_lin_l2": {
        "en": "{answer:.4g} uses the L2 norm (square root of the sum of squares).",
        "ja": "{answer:.4g} は L2 ノルム（二乗和の平方根）を使っています。",
    },
    "ex_lin_no_abs": {
        "en": "{answer:.4g} sums the weight differences without their absolute values.",
        "ja": "{answer:.4g} は重みの差を絶対値を取らずに足しています。",
    },
    "ex_lin_one_class": {
        "en": "{answer:.4g} uses the weights of one class only.",
        "ja": "{answer:.4g} は1つのクラスの重みだけを使っています。",
    },
    "ex_lin_negative": {
        "en": "{answer:.4g} has the wrong sign: the attack increases z_c - z_y.",
        "ja": "{answer:.4g} は符号が逆です。攻撃は z_c - z_y を増やします。",
    },
    "ex_lin_off": {
        "en": "{answer:.4g} is not eps * ||w_c - w_y||_1.",
        "ja": "{answer:.4g} は eps * ||w_c - w_y||_1 ではありません。",
    },
    "ex_lin_hint": {
        "en": "Each pixel moves by eps in the direction of sign(w_c - w_y), so z_c - z_y grows by eps times "
        "the sum of |w_c - w_y| over all pixels: eps * np.abs(W[:, c] - W[:, y]).sum().",
        "ja": "各画素が sign(w_c - w_y) の向きに eps だけ動くので、z_c - z_y は eps × (全画素の |w_c - w_y| の和) "
        "だけ増えます：eps * np.abs(W[:, c] - W[:, y]).sum()。",
    },
    "ex_lin_flip_inverted": {
        "en": "this is ||w_c - w_y||_1 / gap, upside down.",
        "ja": "これは ||w_c - w_y||_1 / 差 で、分子と分母が逆です。",
    },
    "ex_lin_flip_off": {
        "en": "at eps = {eps:.4g} the change eps * ||w_c - w_y||_1 is {change:.3f}, "
        "but the gap z_y - z_c is {gap:.3f}.",
        "ja": "eps = {eps:.4g} では変化 eps * ||w_c - w_y||_1 は {change:.3f} ですが、差 z_y - z_c は {gap:.3f} です。",
    },
    "ex_lin_flip_hint": {
        "en": "The label flips when the change equals the gap: solve eps * ||w_c - w_y||_1 = z_y - z_c for eps.",
        "ja": "変化が差に等しくなるとラベルが変わります。"
        "eps * ||w_c - w_y||_1 = z_y - z_c を eps について解きましょう。",
    },
    # lessons.py (lesson 01's model and image)
    "lesson_imagenet": {
        "en": "MobileNetV2 with ImageNet weights; the Labrador retriever photo "
        "(Mirko, Wikimedia Commons, CC BY-SA 3.0).",
        "ja": "ImageNet で学習した MobileNetV2 と、ラブラドール・レトリバーの写真"
        "（Mirko, Wikimedia Commons, CC BY-SA 3.0）を使います。",
    },
    "lesson_offline": {
        "en": "The ImageNet weights could not be downloaded (offline?). The lesson continues with the "
        "bundled MNIST CNN and a handwritten test digit from MNIST: every step below works the same way. "
        "To have ImageNet offline next time, run `fgsm-edu download` once while online.",
        "ja": "ImageNet の重みをダウンロードできませんでした（オフライン？）。同梱の MNIST の CNN と、MNIST の"
        "テスト用の手書き数字でレッスンを続けます。以下の手順はすべて同じように動きます。"
        "次回オフラインで ImageNet を使うには、オンラインのときに `fgsm-edu download` を一度実行してください。",
    },
    "lesson_random": {
        "en": "MobileNetV2 with random weights (WEIGHTS = None) and an offline photo: "
        "its predictions mean nothing, the mechanics are exactly the same.",
        "ja": "ランダムな重みの MobileNetV2（WEIGHTS = None）とオフラインの写真を使います。"
        "予測に意味はありませんが、仕組みはまったく同じです。",
    },
    "lesson_mnist": {
        "en": "The bundled MNIST CNN and a handwritten test digit from MNIST.",
        "ja": "同梱の MNIST の CNN と、MNIST のテスト用の手書き数字を使います。",
    },
    "lesson_digits": {
        "en": "The bundled 8x8 digits CNN and a test digit.",
        "ja": "同梱の 8x8 の数字 CNN とテスト用の数字画像を使います。",
    },
    # exercises.py, lesson 01
    "ex_pert_raw": {"en": "these are the raw gradient values.", "ja": "これは勾配の値そのものです。"},
    "ex_pert_raw_hint": {
        "en": "FGSM keeps only the sign of each entry of the gradient: np.sign(...) or tf.sign(...).",
        "ja": "FGSM は勾配の各要素の符号だけを使います：np.sign(...) または tf.sign(...)。",
    },
    "ex_pert_scaled": {
        "en": "the entries are ±{value:g}, not ±1.",
        "ja": "要素が ±1 ではなく ±{value:g} になっています。",
    },
    "ex_pert_scaled_hint": {
        "en": "The perturbation is the direction sign(gradient) alone; eps multiplies it in the next step.",
        "ja": "摂動は方向 sign(勾配) だけです。eps を掛けるのは次のステップです。",
    },
    "ex_pert_opposite": {
        "en": "this points the opposite way: it would lower the loss.",
        "ja": "向きが逆です。これでは損失が下がってしまいます。",
    },
    "ex_pert_opposite_hint": {
        "en": "FGSM climbs the loss: use the sign of +gradient, not of -gradient.",
        "ja": "FGSM は損失を増やす方向に進みます。-勾配ではなく +勾配の符号を使いましょう。",
    },
    "ex_pert_mismatch": {
        "en": "only {agree:.1%} of the entries match sign(grad_x J).",
        "ja": "sign(grad_x J) と一致する要素は {agree:.1%} だけです。",
    },
    "ex_pert_mismatch_hint": {
        "en": "Take the gradient of the loss with respect to the image (not the weights), for this model and image.",
        "ja": "このモデルとこの画像について、（重みではなく）画像に関する損失の勾配を使いましょう。",
    },
    "ex_units_same": {
        "en": "{answer:g} is the tutorial's number unchanged.",
        "ja": "{answer:g} はチュートリアルの値そのままです。",
    },
    "ex_units_double": {
        "en": "{answer:g} is twice the tutorial's value: the conversion goes the other way.",
        "ja": "{answer:g} はチュートリアルの値の2倍です。換算の向きが逆です。",
    },
    "ex_units_off": {
        "en": "{answer:g} is not the tutorial's eps in [0, 1] units.",
        "ja": "{answer:g} はチュートリアルの eps を [0, 1] 単位にした値ではありません。",
    },
    "ex_units_hint": {
        "en": "The tutorial's pixels span [-1, 1] (width 2), fgsm_edu's span [0, 1] (width 1): "
        "the same change in grey levels is half the number here.",
        "ja": "チュートリアルの画素は [-1, 1]（幅 2）、fgsm_edu の画素は [0, 1]（幅 1）です。"
        "同じ明るさの変化は、ここでは半分の数値になります。",
    },
    "ex_eps_negative": {"en": "eps must be >= 0, got {answer:g}.", "ja": "eps は 0 以上です（入力：{answer:g}）。"},
    "ex_flip_no_flip": {
        "en": "at eps = {eps:g} the model still says {label}.",
        "ja": "eps = {eps:g} では、モデルはまだ {label} と答えます。",
    },
    "ex_flip_too_big": {
        "en": "eps = {eps:g} flips the label, but a clearly smaller eps already does.",
        "ja": "eps = {eps:g} でラベルは変わりますが、もっと小さい eps でも変わります。",
    },
    "ex_flip_hint": {
        "en": "Sweep many epsilons at once with fe.fgsm_sweep and find the first one where the top-1 class changes.",
        "ja": "fe.fgsm_sweep で多くの eps を一度に試し、トップ1のクラスが最初に変わる eps を探しましょう。",
    },
    "ex_flip_right": {
        "en": "Correct! At eps = {eps:g} the prediction changes from {label} to {new}.",
        "ja": "正解です！eps = {eps:g} で予測が {label} から {new} に変わります。",
    },
    # exercises.py, lessons 03 to 05
    "ex_logits_not_model": {
        "en": "expected a Keras model, got {got}.",
        "ja": "Keras のモデルが必要ですが、{got} でした。",
    },
    "ex_logits_probs": {
        "en": "this model still outputs probabilities (each row sums to 1).",
        "ja": "このモデルはまだ確率を出力しています（各行の和が 1）。",
    },
    "ex_logits_mismatch": {
        "en": "the softmax of this model's outputs differs from soft_model's probabilities: it is not the same model.",
        "ja": "このモデルの出力の softmax が soft_model の確率と違います。同じモデルではありません。",
    },
    "ex_logits_hint": {
        "en": "fe.wrap_model(soft_model) detects the final softmax and returns a model that outputs its logits.",
        "ja": "fe.wrap_model(soft_model) は最後の softmax を検出し、ロジットを出力するモデルを返します。",
    },
    "ex_logits_right": {
        "en": "Correct! Same predictions, and the outputs are logits, so the loss's gradient never saturates.",
        "ja": "正解です！予測は同じで、出力はロジットなので、損失の勾配が飽和しません。",
    },
    "ex_drop_right": {
        "en": "Correct! At eps = {eps:g} accuracy is {acc:.1%}, below {level:.0%} for the first time.",
        "ja": "正解です！eps = {eps:g} で正解率は {acc:.1%} となり、初めて {level:.0%} を下回ります。",
    },
    "ex_drop_not_evaluated": {
        "en": "{answer:g} is not one of the epsilons in the records.",
        "ja": "{answer:g} は記録にある eps のどれでもありません。",
    },
    "ex_drop_too_small": {
        "en": "at eps = {answer:g} accuracy is still {acc:.1%}, not below {level:.0%}.",
        "ja": "eps = {answer:g} では正解率はまだ {acc:.1%} で、{level:.0%} を下回っていません。",
    },
    "ex_drop_too_big": {
        "en": "accuracy is below {level:.0%} at eps = {answer:g}, but already at a smaller eps.",
        "ja": "eps = {answer:g} で正解率は {level:.0%} を下回りますが、もっと小さい eps でもすでに下回っています。",
    },
    "ex_drop_hint": {
        "en": "Read the table row by row, from the smallest eps: find the first accuracy below {level:.0%}.",
        "ja": "表を eps の小さい順に見て、正解率が最初に {level:.0%} を下回る行を探しましょう。",
    },
    "ex_target_range": {
        "en": "some pixels lie outside [0, 1].",
        "ja": "[0, 1] の外にある画素があります。",
    },
    "ex_target_range_hint": {
        "en": "Keep pixels valid: the package's attacks clip to [0, 1] for you.",
        "ja": "画素を有効な範囲に保ちましょう。パッケージの攻撃は自動で [0, 1] に切り詰めます。",
    },
    "ex_target_too_far": {
        "en": "a pixel moved by {distance:.3f}, more than the allowed {eps:g}.",
        "ja": "ある画素が {distance:.3f} 変化しており、許容量 {eps:g} を超えています。",
    },
    "ex_target_missed": {
        "en": "the model reads this image as {got}, not {target}.",
        "ja": "モデルはこの画像を {target} ではなく {got} と読みます。",
    },
    "ex_target_hint": {
        "en": "Use targeted=True with y=TARGET (step towards the target), with eps=MAX_EPS; "
        "if one FGSM step is not enough, fe.pgd(..., targeted=True) takes many small steps.",
        "ja": "y=TARGET と targeted=True を使い（目標へ近づく）、eps=MAX_EPS にしましょう。"
        "FGSM の1ステップで足りなければ、fe.pgd(..., targeted=True) が小さなステップを重ねます。",
    },
    "ex_target_right": {
        "en": "Correct! The model now reads {target}, and no pixel moved by more than {distance:.3f}.",
        "ja": "正解です！モデルは {target} と読み、どの画素の変化も {distance:.3f} 以下です。",
    },
    "ex_bim_no_project": {
        "en": "the step is right, but the result leaves the box of half-width {eps:g} around x.",
        "ja": "ステップは正しいですが、結果が x を中心とする半幅 {eps:g} の箱からはみ出しています。",
    },
    "ex_bim_project_hint": {
        "en": "Project: np.clip(..., x - EPS, x + EPS), then clip to [0, 1].",
        "ja": "射影しましょう：np.clip(..., x - EPS, x + EPS) のあと [0, 1] に切り詰めます。",
    },
    "ex_bim_opposite": {
        "en": "this step goes down the loss, towards the true class.",
        "ja": "このステップは損失を下げ、正しいクラスに近づいています。",
    },
    "ex_bim_grad_at_x": {
        "en": "the gradient was taken at the clean x; BIM takes it at the current x_adv.",
        "ja": "勾配をきれいな x で計算しています。BIM では現在の x_adv で計算します。",
    },
    "ex_bim_mismatch": {
        "en": "only {share:.0%} of the pixels match one BIM step.",
        "ja": "BIM の1ステップと一致する画素は {share:.0%} だけです。",
    },
    "ex_bim_hint": {
        "en": "x_adv + ALPHA * np.sign(fe.input_gradient(model, x_adv, y)), "
        "then clip to [x - EPS, x + EPS] and [0, 1].",
        "ja": "x_adv + ALPHA * np.sign(fe.input_gradient(model, x_adv, y)) を計算し、"
        "[x - EPS, x + EPS] と [0, 1] に切り詰めます。",
    },
    "ex_advloss_clean_only": {
        "en": "this is the clean loss alone: the adversarial term is missing.",
        "ja": "これはきれいな画像の損失だけです。敵対的な項がありません。",
    },
    "ex_advloss_adv_only": {
        "en": "this is the adversarial loss alone: the clean term is missing.",
        "ja": "これは敵対的な損失だけです。きれいな画像の項がありません。",
    },
    "ex_advloss_sum": {
        "en": "this is the plain sum of the two losses; weigh them by alpha = {alpha:g} and 1 - alpha.",
        "ja": "これは2つの損失の単純な和です。alpha = {alpha:g} と 1 - alpha で重み付けしましょう。",
    },
    "ex_advloss_off": {
        "en": "{answer:.4g} is not the adversarial training loss of this batch.",
        "ja": "{answer:.4g} はこのバッチの敵対的訓練の損失ではありません。",
    },
    "ex_advloss_hint": {
        "en": "ALPHA * (mean loss on x_batch) + (1 - ALPHA) * (mean loss on the FGSM images of x_batch), "
        "both with the true labels.",
        "ja": "ALPHA *（x_batch の平均損失）+ (1 - ALPHA) *（x_batch の FGSM 画像の平均損失）。"
        "どちらも正解ラベルを使います。",
    },
    "ex_worst_right": {
        "en": "Correct! Report {acc:.1%}, the accuracy under {attack}, the strongest attack you tried.",
        "ja": "正解です！報告すべきは、試した中で最も強い攻撃 {attack} での正解率 {acc:.1%} です。",
    },
    "ex_worst_percent": {
        "en": "{answer:g} looks like a percentage.",
        "ja": "{answer:g} はパーセントのようです。",
    },
    "ex_worst_not_min": {
        "en": "{acc:.1%} is the accuracy under {attack}, but another attack does better against this model.",
        "ja": "{acc:.1%} は {attack} での正解率ですが、このモデルにはもっと強い攻撃があります。",
    },
    "ex_worst_off": {
        "en": "{answer:g} is none of the accuracies measured.",
        "ja": "{answer:g} は測定した正解率のどれでもありません。",
    },
    "ex_worst_hint": {
        "en": "A defence is only as strong as the strongest attack you tried: report the lowest accuracy, "
        "as a fraction between 0 and 1.",
        "ja": "防御の強さは、試した中で最も強い攻撃で決まります。最も低い正解率を 0〜1 の割合で答えましょう。",
    },
    # widgets.py
    "widgets.epsilon": {"en": "ε", "ja": "ε"},
    "widgets.attack": {"en": "attack", "ja": "攻撃"},
    "widgets.true_label": {"en": "the true label", "ja": "正解ラベル"},
    "widgets.own_prediction": {"en": "the model's own prediction", "ja": "モデル自身の予測"},
    "widgets.target": {"en": "target", "ja": "ターゲット"},
    "widgets.untargeted": {"en": "none (untargeted)", "ja": "なし（ターゲットなし）"},
    "widgets.adversarial": {"en": "adversarial image", "ja": "敵対的画像"},
    "widgets.perturbation": {
        "en": "perturbation x_adv − x (grey = 0, ±{eps:g} = black/white)",
        "ja": "摂動 x_adv − x（灰色 = 0、±{eps:g} = 黒/白）",
    },
    "widgets.prediction": {
        "en": "predicted <b>{name}</b> ({confidence:.1%})",
        "ja": "予測 <b>{name}</b>（{confidence:.1%}）",
    },
    "widgets.truth": {"en": "true label {name}", "ja": "正解 {name}"},
    "widgets.fooled": {"en": "✗ fooled", "ja": "✗ だまされた"},
    "widgets.correct": {"en": "✓ correct", "ja": "✓ 正解"},
    "widgets.unchanged": {"en": "✓ unchanged", "ja": "✓ 変化なし"},
    "widgets.changed": {"en": "✗ changed", "ja": "✗ 変化した"},
    "widgets.hit_target": {"en": "✓ reached target {name}", "ja": "✓ ターゲット {name} に到達"},
    "widgets.towards": {"en": "towards {name}", "ja": "ターゲット {name}"},
    "widgets.upload": {"en": "Upload a photo", "ja": "写真をアップロード"},
    "widgets.upload_hint": {
        "en": "Choose a PNG or JPEG photo (under {limit} MB); it is resized to {height}x{width}.",
        "ja": "PNG か JPEG の写真（{limit} MB 未満）を選んでください。{height}x{width} に縮小されます。",
    },
    "widgets.too_big": {
        "en": "{name} is {size:.1f} MB: choose an image under {limit} MB (or shrink it first).",
        "ja": "{name} は {size:.1f} MB です。{limit} MB 未満の画像を選んでください（先に縮小してください）。",
    },
    "widgets.bad_upload": {"en": "Could not use this file: {reason}", "ja": "このファイルは使えません：{reason}"},
    "widgets.loaded": {"en": "{name}, resized to {height}x{width}.", "ja": "{name}（{height}x{width} に縮小）"},
    "widgets.example": {"en": "example", "ja": "例"},
    "widgets.clean": {"en": "clean image", "ja": "元の画像"},
    "widgets.top_classes": {"en": "top {k} classes", "ja": "上位 {k} クラス"},
    "widgets.curve_title": {"en": "confidence against ε", "ja": "ε に対する確信度"},
    "widgets.curve_x": {"en": "ε (spaced as on the slider)", "ja": "ε（スライダーと同じ間隔）"},
    "widgets.confidence": {"en": "confidence", "ja": "確信度"},
    "widgets.curve_true": {"en": "true class {name}", "ja": "正解クラス {name}"},
    "widgets.curve_clean": {"en": "clean prediction {name}", "ja": "元の予測 {name}"},
    "widgets.curve_top": {"en": "predicted class (top 1)", "ja": "予測クラス（1 位）"},
    "widgets.curve_target": {"en": "target {name}", "ja": "ターゲット {name}"},
    "widgets.visibility": {
        "en": "how visible: L∞ = {linf} · L2 = {l2} · PSNR = {psnr} · SSIM = {ssim} "
        "(higher PSNR and SSIM nearer 1: harder to see)",
        "ja": "変化の見えやすさ：L∞ = {linf} · L2 = {l2} · PSNR = {psnr} · SSIM = {ssim}"
        "（PSNR が高く SSIM が 1 に近いほど見えにくい）",
    },
    # plots.py (titles, axis labels, captions)
    "plots.image": {"en": "Image", "ja": "画像"},
    "plots.prediction": {"en": "prediction: {prediction}", "ja": "予測：{prediction}"},
    "plots.perturbation": {"en": "Perturbation: sign of the gradient", "ja": "摂動：勾配の符号"},
    "plots.perturbation_scale": {
        "en": "scaled for visibility:\ngrey = 0, black = -{peak:.3g}, white = +{peak:.3g}",
        "ja": "見やすく拡大：\n灰色 = 0、黒 = -{peak:.3g}、白 = +{peak:.3g}",
    },
    "plots.sweep": {
        "en": "FGSM: adversarial image per epsilon (attacked label: {label})",
        "ja": "FGSM：ε ごとの敵対的画像（攻撃したラベル：{label}）",
    },
    "plots.eps_axis": {"en": "epsilon (fraction of the pixel range)", "ja": "ε（画素値の範囲に対する割合）"},
    "plots.accuracy": {"en": "accuracy", "ja": "正解率"},
    "plots.confidence": {"en": "mean confidence of the prediction", "ja": "予測の平均確信度"},
    "plots.accuracy_title": {"en": "Accuracy vs epsilon", "ja": "ε と正解率"},
    "plots.confidence_title": {"en": "Confidence vs epsilon", "ja": "ε と確信度"},
    "plots.curves": {"en": "How the attack's strength changes the model", "ja": "攻撃の強さとモデルの変化"},
    "plots.model": {"en": "model", "ja": "モデル"},
    "plots.at_eps": {"en": " at ε = {eps:.3g}", "ja": "（ε = {eps:.3g}）"},
    "plots.none_fooled": {"en": "No image was fooled{at}.", "ja": "だまされた画像はありません{at}。"},
    "plots.fooled": {
        "en": "Most confidently fooled{at} (true label → prediction)",
        "ja": "最も確信をもって誤分類された画像{at}（正解ラベル → 予測）",
    },
    "plots.epoch": {"en": "epoch", "ja": "エポック"},
    "plots.pgd_accuracy": {"en": "PGD accuracy (held-out batch)", "ja": "PGD での正解率（訓練に使わないバッチ）"},
    "plots.pgd_history": {
        "en": "Robustness during training: PGD accuracy at ε = {eps:g} after each epoch",
        "ja": "訓練中の頑健性：各エポック後の ε = {eps:g} の PGD での正解率",
    },
    # the most common error messages (checks.py, models.py); the English text is quoted in the README
    "errors.pixels_255": {
        "en": "pixels go up to {high:g}: they look like 0-255 values; divide by 255 to get the [0, 1] convention.",
        "ja": "画素値の最大が {high:g} です。0〜255 の値のようです。255 で割って [0, 1] の規約に合わせてください。",
    },
    "errors.pixels_range": {
        "en": "pixels must lie in [0, 1] (the package convention), got min {low:g} and max {high:g}; "
        "the model does its own preprocessing, so pass raw pixels scaled to [0, 1].",
        "ja": "画素値は [0, 1] の範囲（このパッケージの規約）でなければなりませんが、"
        "最小 {low:g}、最大 {high:g} でした。"
        "前処理はモデルが行うので、[0, 1] に換算しただけの画素値を渡してください。",
    },
    "errors.pixels_clip": {
        "en": "pixels must lie in the clip range [{low:g}, {high:g}] given to this call, "
        "got min {min:g} and max {max:g}; widen clip=(low, high) to the images' real range, or rescale the images.",
        "ja": "画素値はこの呼び出しで指定した clip の範囲 [{low:g}, {high:g}] に入っていなければなりませんが、"
        "最小 {min:g}、最大 {max:g} でした。"
        "clip=(low, high) を画像の実際の範囲に広げるか、画像を換算し直してください。",
    },
    "errors.integer_pixels": {
        "en": "images have integer dtype {dtype}; the package expects float32 pixels in [0, 1]: "
        "use `x.astype('float32') / 255`.",
        "ja": "画像のデータ型が整数（{dtype}）です。このパッケージは [0, 1] の float32 の画素値を想定しています："
        "`x.astype('float32') / 255` を使ってください。",
    },
    "errors.eps_negative": {
        "en": "{name} must be >= 0, got {value:g}; use targeted=True to move towards a class.",
        "ja": "{name} は 0 以上でなければなりませんが、{value:g} でした。"
        "特定のクラスに近づけるには targeted=True を使います。",
    },
    "errors.eps_too_large": {
        "en": "{name} = {value:g} is larger than the whole pixel range [0, 1]; epsilon is a fraction of "
        "the range, for example 8/255 = 0.031 (did you mean {value:g}/255 = {scaled:.4f}?).",
        "ja": "{name} = {value:g} は画素値の範囲 [0, 1] 全体より大きい値です。ε は範囲に対する割合で、"
        "たとえば 8/255 = 0.031 です（{value:g}/255 = {scaled:.4f} のことですか？）。",
    },
    "errors.labels_range": {
        "en": "labels must be >= 0{top} (the model's class ids), got {value} at position {where}.",
        "ja": "ラベルは 0 以上{top}の整数（モデルのクラス ID）でなければなりませんが、"
        "位置 {where} の値は {value} でした。",
    },
    "errors.did_you_mean": {"en": " Did you mean {close!r}?", "ja": "{close!r} のことですか？"},
    "errors.labels_below": {"en": " and < {num_classes}", "ja": "、{num_classes} 未満"},
    "errors.unknown_model": {
        "en": "unknown model {name!r}; known models: {known}.{hint}",
        "ja": "未知のモデル {name!r} です。使えるモデル：{known}。{hint}",
    },
    # the Japanese font for figures (set_language("ja"))
    "font.missing": {
        "en": "Japanese text in figures needs a Japanese font: run `pip install matplotlib-fontja` "
        '(or `pip install "fgsm-edu[ja]"`), then call fe.set_language("ja") again.',
        "ja": "図の日本語を表示するには日本語フォントが必要です。`pip install matplotlib-fontja`"
        '（または `pip install "fgsm-edu[ja]"`）を実行してから、fe.set_language("ja") をもう一度呼んでください。',
    },
    "font.installing": {
        "en": "Installing matplotlib-fontja (a Japanese font for figures) on Colab...",
        "ja": "Colab に matplotlib-fontja（図の日本語フォント）をインストールしています…",
    },
    # lesson 06: plots and exercises (plots.show_minimal_epsilon, show_transfer; exercises.check_survivors...)
    "plots.minimal_eps_title": {
        "en": "The smallest ε that flips each image ({n} images, {never} never flipped)",
        "ja": "各画像を誤分類させる最小の ε（{n} 枚、うち {never} 枚は一度も誤分類されない）",
    },
    "plots.images_axis": {"en": "images", "ja": "画像の枚数"},
    "plots.least_robust": {"en": "least robust", "ja": "最も頑健でない"},
    "plots.most_robust": {"en": "most robust", "ja": "最も頑健"},
    "plots.never": {"en": "never", "ja": "なし"},
    "plots.transfer_title": {
        "en": "Accuracy of each target on images made on each source (ε = {eps:g})",
        "ja": "各ソースで作った画像に対する各ターゲットの正解率（ε = {eps:g}）",
    },
    "plots.source_axis": {"en": "made on (source)", "ja": "作成に使ったモデル（ソース）"},
    "plots.target_axis": {"en": "tested on (target)", "ja": "テストしたモデル（ターゲット）"},
    "ex_survivors_right": {
        "en": "Correct! {count} of the {n} images still fool the model after the {format} round trip.",
        "ja": "正解です！{format} で保存して読み戻した後も、{n} 枚中 {count} 枚がモデルをだまし続けます。",
    },
    "ex_survivors_before": {
        "en": "{answer:g} is how many fool the model before saving; count after the round trip.",
        "ja": "{answer:g} は保存前にだませた枚数です。読み戻した後の枚数を数えましょう。",
    },
    "ex_survivors_off": {
        "en": "{answer:g} is not the number of images that still fool the model.",
        "ja": "{answer:g} は、だまし続ける画像の枚数ではありません。",
    },
    "ex_survivors_hint": {
        "en": "back = saving.round_trip(adv, format=..., quality=...); count the images where the "
        "prediction on back differs from y.",
        "ja": "back = saving.round_trip(adv, format=..., quality=...) として、back に対する予測が y と"
        "異なる画像を数えます。",
    },
    "ex_min_eps_right": {
        "en": "Correct! ε = {eps:g} is the first value in the grid that flips this image.",
        "ja": "正解です！ε = {eps:g} は、このグリッドでこの画像を最初に誤分類させる値です。",
    },
    "ex_min_eps_not_in_grid": {
        "en": "{answer:g} is not one of the epsilons in the grid.",
        "ja": "{answer:g} はグリッドの ε のどれでもありません。",
    },
    "ex_min_eps_no_flip": {
        "en": "at ε = {answer:g} the model still gets this image right.",
        "ja": "ε = {answer:g} では、モデルはまだこの画像を正しく分類します。",
    },
    "ex_min_eps_not_first": {
        "en": "ε = {answer:g} flips the image, but a smaller ε in the grid already does.",
        "ja": "ε = {answer:g} で誤分類されますが、グリッドにはもっと小さい ε ですでに誤分類される値があります。",
    },
    "ex_min_eps_never": {
        "en": "no epsilon in this grid flips the image: the answer is np.inf.",
        "ja": "このグリッドのどの ε でもこの画像は誤分類されません。答えは np.inf です。",
    },
    "ex_min_eps_hint": {
        "en": "One fgsm_sweep over the grid, then the first epsilon whose top-1 class is not the label.",
        "ja": "グリッド全体で fgsm_sweep を 1 回行い、top-1 クラスがラベルと異なる最初の ε を探します。",
    },
    "ex_source_right": {
        "en": "Correct! Images made on {source} bring {target} down to {acc:.1%}: the best black-box source here.",
        "ja": "正解です！{source} で作った画像で {target} の正解率は {acc:.1%} まで下がります。"
        "ここでは最も効くブラックボックスのソースです。",
    },
    "ex_source_self": {
        "en": "{answer} is the target itself: that is a white-box attack, not a transfer.",
        "ja": "{answer} はターゲット自身です。それはホワイトボックス攻撃で、転移ではありません。",
    },
    "ex_source_unknown": {
        "en": "{answer!r} is not one of the models in the matrix ({names}).",
        "ja": "{answer!r} は行列のモデル（{names}）のどれでもありません。",
    },
    "ex_source_weaker": {
        "en": "images made on {answer} leave {target} at {acc:.1%}; another source does better.",
        "ja": "{answer} で作った画像では {target} の正解率は {acc:.1%} です。もっと効くソースがあります。",
    },
    "ex_source_hint": {
        "en": "Read the target's column of matrix.accuracy (skip the diagonal) and pick the lowest.",
        "ja": "matrix.accuracy のターゲットの列を見て（対角は除く）、最も低い行を選びます。",
    },
}


def set_language(lang: str) -> None:
    """Choose the language of learner-facing text ("en" or "ja"); "ja" also sets a Japanese font for figures.

    Args:
        lang: the language code.

    Returns:
        None.
    """
    if lang not in LANGUAGES:
        raise InvalidArgumentError(f"language must be one of {LANGUAGES}, got {lang!r}.")
    _state["lang"] = lang
    if lang == "ja":
        use_japanese_font()
    else:
        _restore_font()


def use_japanese_font() -> bool:
    """Make matplotlib draw Japanese text with the ``matplotlib-fontja`` font (lessons' setup, notebooks/ja/).

    Returns:
        True if the font is active; False (after one warning with the pip command) if it is not installed.
    """
    import matplotlib

    previous = list(matplotlib.rcParams["font.family"])  # importing matplotlib_fontja changes it
    module = _font_module()
    if module is None:
        matplotlib.rcParams["font.family"] = previous
        if not _font["warned"]:
            _font["warned"] = True
            warnings.warn(t("font.missing", lang="ja") + "\n" + t("font.missing", lang="en"), stacklevel=3)
        return False
    from matplotlib import font_manager

    path = module.get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    if _font["previous"] is None:
        _font["previous"] = previous
    matplotlib.rcParams["font.family"] = [name, FALLBACK_FONT]
    return True


def _font_module() -> ModuleType | None:
    """Import matplotlib_fontja, installing it first on Colab only; None if it is unavailable."""
    try:
        return importlib.import_module("matplotlib_fontja")
    except ImportError:
        if "google.colab" not in sys.modules:
            return None
    print(t("font.installing"))
    command = [sys.executable, "-m", "pip", "install", "--quiet", JA_FONT_PACKAGE]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    importlib.invalidate_caches()
    try:
        return importlib.import_module("matplotlib_fontja")
    except ImportError:
        return None


def _restore_font() -> None:
    """Give matplotlib back the font family it had before ``use_japanese_font``."""
    if _font["previous"] is not None:
        import matplotlib

        matplotlib.rcParams["font.family"] = _font["previous"]
        _font["previous"] = None


def get_language() -> str:
    """Return the current language code ("en" by default).

    Returns:
        The language code.
    """
    return _state["lang"]


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """Translate a catalogue key into the current (or given) language.

    Args:
        key: the catalogue key.
        lang: override the current language for this call.
        **fields: values for the text's format fields.

    Returns:
        The text, formatted.
    """
    entry = MESSAGES[key]
    text = entry.get(lang or get_language()) or entry["en"]
    return text.format(**fields) if fields else text
