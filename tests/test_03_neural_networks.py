import ast
import copy

import pytest
import torch
from torch import nn

from book import cell, error_messages, errors, figures, tags, text, unused_imports
from booktools.notebook_cells import SOLUTION_TITLE


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()


def test_linear_layer_shapes_explain_20_and_30(nb):
    assert text(cell(nb, "layer = nn.Linear(20, 30)")) == "torch.Size([128, 30])"
    assert text(cell(nb, "layer.weight.shape, layer.bias.shape")) == "(torch.Size([30, 20]), torch.Size([30]))"
    assert text(cell(nb, "torch.allclose(outputs")) == "True"


def test_every_gradient_has_its_parameters_shape(nb):
    printed = text(cell(nb, "(output.sum() - 12).backward()"))
    for shapes in [
        "weight.grad (30, 20), bias.grad (30,)",
        "weight.grad (10, 30), bias.grad (10,)",
        "weight.grad (1, 10), bias.grad (1,)",
    ]:
        assert shapes in printed


def test_backward_on_many_outputs_raises_and_both_ways_out_agree(nb):
    refused = cell(nb, "output.backward()")
    assert "raises-exception" in tags(refused) and errors(refused) == ["RuntimeError"]
    assert error_messages(refused) == ["grad can be implicitly created only for scalar outputs"]
    # Starting every output at 1 gives exactly the gradients of their sum.
    assert text(cell(nb, "from_sum = [")) == "True"


def test_parameter_count_is_glued(values):
    assert values["n_parameters"] == (20 * 30 + 30) + (30 * 10 + 10) + (10 * 1 + 1)
    assert values["n_tensors"] == 6


def test_the_network_is_trained_until_its_outputs_sum_to_12(nb, values):
    assert abs(values["final_sum"] - 12) < 1e-2
    # The starting sum the prose quotes is the untrained network's, measured before the first step.
    assert round(values["first_sum"], 2) == -7.0
    assert len(figures(cell(nb, "fig, ax = plt.subplots(figsize=(7, 3))\nax.plot(sums)"))) == 1


def test_larger_learning_rates_end_in_nan_from_gradients_in_the_thousands(nb, values):
    printed = text(cell(nb, "trial = copy.deepcopy(untrained)")).splitlines()
    assert printed[0] == f"largest first gradient: {values['largest_gradient']:,.0f}"
    assert values["largest_gradient"] > 100 * values["chapter_2_gradient"] and values["chapter_2_gradient"] == 40
    sums = {line.split(":")[0]: line.rsplit(" ", 1)[1] for line in printed[1:]}
    # The prose: every rate but the smallest ends in nan; the smallest, chapter 3's own, reaches 12.
    assert values["unstable_lrs"] == "1e-02, 1e-03, 1e-04"
    assert [sums[f"lr={lr}"] for lr in ["1e-02", "1e-03", "1e-04"]] == ["nan"] * 3
    assert abs(float(sums["lr=1e-05"]) - 12) < 1e-2


def test_a_frozen_layer_gets_no_gradient_and_does_not_move(nb):
    printed = text(cell(nb, "model.layer_1.requires_grad_(False)")).splitlines()
    frozen, trained = ["False", "changed:", "False"], ["True", "changed:", "True"]
    assert [line.split()[2:] for line in printed] == [frozen] * 2 + [trained] * 4


def test_a_detached_tensor_is_outside_the_graph(nb):
    assert text(cell(nb, "result = model(inputs)")) == "(True, False, None)"


def test_stacked_linear_layers_collapse_into_one_to_below_float32_epsilon(nb, values):
    gap, epsilon = ast.literal_eval(text(cell(nb, "with torch.no_grad():\n    l1, l2, l3")))
    assert values["float32_eps"] == epsilon == 2**-23
    assert 0 <= gap < epsilon
    assert values["single_parameters"] == 21


def test_relu_network_is_plotted_against_the_linear_stack(nb):
    assert len(figures(cell(nb, "with_relu = nn.Sequential("))) == 1


def test_exercise_1_checks_the_same_network_not_only_the_same_count(nb):
    solution = cell(nb, "sequential = nn.Sequential(")
    assert not errors(solution)
    # The check, run on a network with ReLUs between the same layers: same count, different map, so it must fail.
    torch.manual_seed(0)
    inputs = torch.randn(16, 20)
    model = nn.Sequential(nn.Linear(20, 30), nn.Linear(30, 10), nn.Linear(10, 1))
    with_relus = nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 10), nn.ReLU(), nn.Linear(10, 1))
    # All but the statement that builds `sequential`.
    body = ast.parse(solution.source.removeprefix(f"{SOLUTION_TITLE}\n")).body[1:]
    check = compile(ast.Module(body=body, type_ignores=[]), "solution", "exec")
    names = {"torch": torch, "nn": nn, "model": model, "inputs": inputs, "n_parameters": 951}
    exec(check, {**names, "sequential": copy.deepcopy(model)})
    with pytest.raises(AssertionError):
        exec(check, {**names, "sequential": with_relus})
