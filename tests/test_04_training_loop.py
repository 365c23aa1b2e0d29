import ast
import math
import re

from book import cell, figures, text, unused_imports


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()


def test_uses_the_bundled_digits(values):
    assert values["n_images"] == 1797
    assert values["n_train"] + values["n_validation"] == 1797 and values["n_validation"] == 359


def test_softmax_turns_the_scores_into_probabilities_that_keep_their_order(nb):
    scores, probabilities, summary = text(cell(nb, "with torch.no_grad():\n    scores = model(")).splitlines()
    scores, probabilities = (ast.literal_eval(line.split(":", 1)[1].strip()) for line in (scores, probabilities))
    assert len(scores) == len(probabilities) == 10 and all(0 < p < 1 for p in probabilities)
    predicted = max(range(10), key=lambda digit: scores[digit])
    assert predicted == max(range(10), key=lambda digit: probabilities[digit])
    assert summary.startswith(f"sum 1.0000, predicted {predicted}, label ")


def test_cross_entropy_is_minus_the_log_of_the_right_digits_probability_near_ln_10_untrained(nb, values):
    loss, by_hand, ln_10 = ast.literal_eval(text(cell(nb, "loss = loss_function(scores, batch_labels[:1])")))
    assert math.isclose(loss, by_hand, rel_tol=1e-6)
    assert values["ln_10"] == ln_10 == math.log(10)
    assert values["first_loss"] == loss and abs(loss - ln_10) < 0.25


def test_validation_accuracy_is_at_least_90_percent(values):
    assert values["validation_accuracy"] >= 0.90


def test_every_epoch_is_reported_as_validation_loss_and_accuracy(nb, values):
    printed = text(cell(nb, "def train_one_epoch(model, optimizer, loader):")).splitlines()
    epochs = range(1, values["n_epochs"] + 1)
    assert [line.split(":")[0] for line in printed] == [f"epoch {epoch:2d}" for epoch in epochs]
    assert all(": validation loss " in line and ", validation accuracy " in line for line in printed)


def test_curves_and_predictions_are_drawn(nb):
    assert len(figures(cell(nb, "fig, (left, right)"))) == 1
    assert len(figures(cell(nb, "shown_images, shown_labels"))) == 1


def test_exercise_2_says_what_holds_across_seeds(nb, values):
    printed = text(cell(nb, "def accuracy_after_training("))
    ours = re.search(r"our run: ([\d.]+)% without the hidden layer, ([\d.]+) points lost", printed)
    assert math.isclose(float(ours[2]), 100 * values["validation_accuracy"] - float(ours[1]), abs_tol=0.15)
    # What the solution's comment says: the hidden layer wins with every seed, by an amount that moves between seeds
    # by several validation images' worth (one image: 100 / 359 points).
    gaps = [
        float(gap) for gap in re.findall(r"seed \d: [\d.]+% with the hidden layer, (-?[\d.]+) points lost", printed)
    ]
    one_image = 100 / values["n_validation"]
    assert len(gaps) == 8
    assert all(gap > 0 for gap in [float(ours[2]), *gaps])
    assert max(gaps) - min(gaps) > 3 * one_image
    assert f"one validation image is worth {one_image:.2f} points" in printed


def test_exercise_1_checks_which_layer_holds_most(nb):
    solution = cell(nb, "for name, parameter in model.named_parameters():\n    print(")
    printed, value = text(solution).split("\n", 4)[:4], text(solution).split("\n", 4)[4]
    assert [line.split()[0] for line in printed] == ["1.weight", "1.bias", "3.weight", "3.bias"]
    total, per_layer = ast.literal_eval(value)
    assert per_layer == {"1": 64 * 128 + 128, "3": 128 * 10 + 10} and total == sum(per_layer.values())


def test_the_validation_loss_rises_and_falls_as_the_prose_says(nb, values):
    printed = text(cell(nb, "def train_one_epoch(model, optimizer, loader):")).splitlines()
    losses = [float(line.split("validation loss ")[1].split(",")[0]) for line in printed]
    rising = [epoch for epoch in range(2, len(losses) + 1) if losses[epoch - 1] > losses[epoch - 2]]
    # Several rises, each but the last followed at once by a fall: noise, not the turn to stop at.
    assert len(rising) >= 2 and values["rising_epochs"] == ", ".join(map(str, rising[:-1])) + f" and {rising[-1]}"
    assert all(losses[epoch] < losses[epoch - 1] for epoch in rising[:-1])
    assert values["best_epoch"] == 1 + losses.index(min(losses))
