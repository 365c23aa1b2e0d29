from book import cell, figures, text


def test_uses_the_bundled_digits(values):
    assert values["n_images"] == 1797
    assert values["n_train"] + values["n_validation"] == 1797


def test_validation_accuracy_is_at_least_90_percent(values):
    assert values["validation_accuracy"] >= 0.90


def test_every_epoch_is_reported(nb, values):
    printed = text(cell(nb, "def train_one_epoch(model, optimizer):"))
    assert [line.split(":")[0] for line in printed.splitlines()] == [
        f"epoch {epoch:2d}" for epoch in range(1, values["n_epochs"] + 1)
    ]


def test_curves_and_predictions_are_drawn(nb):
    assert len(figures(cell(nb, "fig, (left, right)"))) == 1
    assert len(figures(cell(nb, "shown_images, shown_labels"))) == 1
