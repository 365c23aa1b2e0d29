import ast

import torch

from book import cell, check, code_cells, figures, text, unused_imports


def test_minimising_the_raw_difference_overshoots_7(values):
    assert values["raw_product"] < 7 - 1


def test_hand_written_descent_reaches_7(values):
    assert abs(values["hand_product"] - 7) < 1e-3


def test_sgd_with_momentum_reaches_7(values):
    assert abs(values["sgd_product"] - 7) < 1e-3
    assert abs(values["sgd_var_1"] * values["sgd_var_2"] - 7) < 1e-3


def test_forgetting_zero_grad_does_not_reach_7(values):
    assert abs(values["stale_product"] - 7) > 10


def test_product_and_loss_are_plotted(nb):
    assert len(figures(cell(nb, "fig, (top, bottom)"))) == 1


def test_the_optimizer_never_shadows_torch_optim(nb):
    assigned = {
        target.id
        for code_cell in code_cells(nb)
        for node in ast.walk(ast.parse(code_cell.source))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "optimizer" in assigned and "optim" not in assigned


def test_momentum_swings_are_counted_as_the_figure_shows_them(values):
    assert values["swings"] >= 10


def test_exercise_3_asserts_the_pair_that_descent_finds(nb):
    solution = cell(nb, "var_1, var_2 = fresh_start()\noptimizer = torch.optim.SGD([var_1, var_2], lr=3e-3")
    found = ast.literal_eval(text(solution))
    assert (round(found[0], 3), round(found[1], 3)) == (6.0, 4.0)
    # The solution's own check accepts that pair and rejects the other one that meets both conditions.
    assert check(solution, var_1=torch.tensor(6.0), var_2=torch.tensor(4.0))
    assert not check(solution, var_1=torch.tensor(4.0), var_2=torch.tensor(6.0))


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()
