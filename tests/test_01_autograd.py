from book import cell, cells, error_messages, errors, figures, tags, text, unused_imports


def test_the_chapter_imports_only_what_it_uses(nb):
    assert unused_imports(nb) == set()


def test_a_tensor_has_a_shape_a_dtype_and_a_device(nb):
    assert text(cell(nb, "table = torch.tensor(")) == "(torch.Size([2, 3]), torch.float32, device(type='cpu'))"


def test_from_numpy_shares_the_arrays_memory_and_torch_tensor_copies(nb):
    shared, copied, back = text(cell(nb, "import numpy as np\n\narray = np.zeros(3)")).split("\n ")
    assert shared.startswith("(tensor([7., 0., 0.], dtype=torch.float64)")
    assert copied.startswith("tensor([0., 0., 0.], dtype=torch.float64)")
    assert back == "array([7., 0., 0.]))"


def test_two_scalar_tensors_that_require_grad(nb):
    assert (
        text(cell(nb, "var_1 = torch.tensor(3.0")) == "(tensor(3., requires_grad=True), tensor(4., requires_grad=True))"
    )


def test_torch_Tensor_reads_a_number_as_a_size(nb, values):
    printed = text(cell(nb, "from_function = torch.tensor(3)"))
    assert "torch.tensor(3): torch.Size([]) torch.int64" in printed
    assert "torch.Tensor(3): torch.Size([3]) torch.float32" in printed
    assert values["class_len"] == 3


def test_a_scalar_has_zero_dimensions_not_a_1x1_matrix(nb, values):
    assert text(cell(nb, "var_1.shape, var_1.ndim")) == "(torch.Size([]), 0)"
    assert text(cell(nb, "matrix = torch.tensor([[3.0]])")) == "(torch.Size([1, 1]), 2)"
    assert values["scalar_ndim"] == 0


def test_integer_tensor_with_requires_grad_raises(nb):
    integer = cell(nb, "torch.tensor(3, requires_grad=True)")
    assert "raises-exception" in tags(integer)
    assert errors(integer) == ["RuntimeError"]


def test_product_is_12_with_MulBackward0(nb, values):
    assert text(cell(nb, "var_mult = var_1 * var_2")) == "tensor(12., grad_fn=<MulBackward0>)"
    assert values["product"] == 12


def test_12_is_5_away_from_7(nb, values):
    assert text(cell(nb, "diff = var_mult - 7")) == "tensor(5., grad_fn=<SubBackward0>)"
    assert values["diff"] == 5


def test_unit_nudges_move_the_product_by_the_gradients(values):
    assert (values["nudge_1"], values["nudge_2"]) == (values["grad_1"], values["grad_2"]) == (4, 3)


def test_backward_gives_gradients_4_and_3(nb):
    assert text(cell(nb, "(var_1.grad, var_2.grad)")) == "(tensor(4.), tensor(3.))"


def test_only_leaves_get_a_grad_and_reading_a_computed_ones_warns(nb):
    printed = text(cell(nb, "import warnings")).splitlines()
    assert printed == [
        "is_leaf: True True False",
        "var_mult.grad: None",
        "warning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed",
    ]


def test_the_second_backward_fails_on_freed_saved_values_not_a_freed_graph(nb):
    first, second = cells(nb, "diff.backward()")
    assert errors(first) == [] and errors(second) == ["RuntimeError"]
    assert "Saved intermediate values of the graph are freed" in error_messages(second)[0]
    # An addition saves nothing, so its graph can be walked twice; each pass adds its gradient of 1.
    twice = cell(nb, "start = torch.tensor(2.0")
    assert errors(twice) == [] and text(twice) == "tensor(2.)"


def test_gradients_accumulate_to_8_and_6_and_clearing_resets(nb, values):
    assert (values["acc_1"], values["acc_2"]) == (8, 6)
    assert text(cell(nb, "var_1.grad = None")) == "(tensor(4.), tensor(3.))"


def test_graph_is_walked_and_drawn(nb):
    walked = text(cell(nb, "names = {id(var_1)"))
    assert walked.split() == "SubBackward0 MulBackward0 AccumulateGrad → var_1.grad AccumulateGrad → var_2.grad".split()
    assert len(figures(cell(nb, "import matplotlib.pyplot as plt"))) == 1


def test_exercise_2_shows_float32_cancellation_where_float64_is_exact(nb):
    solution = cell(nb, "a = torch.tensor(3.0, requires_grad=True)\nb = torch.tensor(4.0, requires_grad=True)\n(a / b)")
    printed = dict(line.rsplit(":", 1) for line in text(solution).splitlines())
    float32_nudge = float(printed["nudges"].split()[0])
    # The solution's comment: a straight line's nudge misses 1/4 in float32 (in the fifth digit), not in float64.
    assert float32_nudge != 0.25 and 1e-6 < abs(float32_nudge - 0.25) < 1e-4
    assert abs(float(printed["a's nudge in float64"]) - 0.25) < 1e-10
