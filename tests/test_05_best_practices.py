import torch

from book import cell, errors, text


def test_same_seed_same_numbers(nb):
    assert text(cell(nb, "torch.manual_seed(42)")).endswith("True)")


def test_device_is_chosen_at_run_time(values):
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert values["device"] == expected


def test_summing_losses_keeps_the_graph(nb):
    assert text(cell(nb, "running = 0")) == "('AddBackward0', True)"


def test_restored_model_predicts_identically(values):
    assert values["restored_identical"] is True


def test_training_resumes_where_it_stopped(values):
    assert values["resumed_identical"] is True


def test_loading_into_the_wrong_shape_fails_loudly(nb):
    assert errors(cell(nb, "%xmode Minimal\nwider = nn.Sequential(")) == ["RuntimeError"]
