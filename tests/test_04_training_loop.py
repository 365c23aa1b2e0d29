import ast
import math

from book import cell, figures, text, unused_imports


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()


def test_uses_the_bundled_digits(values):
    assert values["n_images"] == 1797
    assert values["n_train"] + values["n_validation"] == 1797


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


def test_exercise_2_measures_the_loss_without_the_hidden_layer_on_four_splits(values):
    assert math.isclose(values["lost_points"], 100 * (values["validation_accuracy"] - values["linear_accuracy"]))
    # What the solution's comment says: on every split a little is lost, under two points.
    assert len(values["split_gaps"]) == 3
    assert all(0 < gap < 2 for gap in [values["lost_points"], *values["split_gaps"]])
