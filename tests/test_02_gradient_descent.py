import ast

from book import cell, code_cells, figures


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
