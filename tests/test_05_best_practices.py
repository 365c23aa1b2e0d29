import ast

import torch

from book import assigned, cell, error_messages, errors, tags, text, unused_imports


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()


def test_same_seed_same_numbers(nb):
    assert text(cell(nb, "torch.manual_seed(42)")).endswith("True)")


def test_device_is_chosen_at_run_time_and_torch_accelerator_agrees(values):
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert values["device"] == values["accelerator"] == expected


def test_summing_losses_keeps_the_graph(nb):
    assert text(cell(nb, "running = 0")) == "('AddBackward0', True)"


def test_a_state_dict_holds_buffers_as_well_as_parameters(nb):
    state, parameters = ast.literal_eval(text(cell(nb, "batch_norm = nn.BatchNorm1d(4)")))
    assert state == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert parameters == ["weight", "bias"]


def test_loading_numpy_state_fails_under_weights_only_and_loads_when_trusted(nb, values):
    refused = cell(nb, "torch.load(checkpoint_path, map_location=device)")
    assert "raises-exception" in tags(refused) and errors(refused) == ["UnpicklingError"]
    assert "weights_only" in error_messages(refused)[0] and "numpy" in error_messages(refused)[0]
    assert errors(cell(nb, "checkpoint = torch.load(checkpoint_path, map_location=device, weights_only=False)")) == []
    assert values["restored_identical"] is True


def test_training_resumes_where_it_stopped(values):
    assert values["resumed_identical"] is True


def test_without_the_optimizer_or_the_shuffle_state_the_runs_drift_apart(nb, values):
    assert values["gap_everything"] == 0
    assert values["gap_no_optimizer"] > 1e-3 and values["gap_no_shuffle"] > 1e-3
    assert ast.literal_eval(text(cell(nb, "def resumed_gap("))) == {
        "everything": values["gap_everything"],
        "no optimizer state": values["gap_no_optimizer"],
        "no shuffle state": values["gap_no_shuffle"],
    }


def test_the_fitted_curve_has_labels_and_a_title(nb):
    source = cell(nb, "model.eval()\nwith torch.no_grad():").source
    assert 'ax.set(xlabel="x", ylabel="y", title=' in source


def test_loading_into_the_wrong_shape_fails_loudly(nb):
    loading = cell(nb, "wider = nn.Sequential(")
    assert errors(loading) == [] and text(loading).startswith("Error(s) in loading state_dict for Sequential:")
    assert "size mismatch for 0.weight" in text(loading)


def test_the_cpu_copy_is_compared_to_rounding_not_bit_for_bit(nb):
    solution = cell(nb, "with tempfile.TemporaryDirectory() as folder:")
    assert errors(solution) == []
    # What a GPU does to the original's predictions: the same numbers, rounded a little differently.
    x = torch.linspace(-3, 3, 256)[:, None]
    on_cpu = torch.nn.Linear(1, 1)
    with torch.no_grad():

        def gpu_rounded(inputs):
            return on_cpu(inputs) * (1 + 1e-7)

        names = {"torch": torch, "on_cpu": on_cpu, "x": x, "device": "cpu"}
        assert assigned(solution, "predictions_match", model=gpu_rounded, **names)
        assert not assigned(solution, "predictions_match", model=lambda inputs: on_cpu(inputs) + 1e-3, **names)
