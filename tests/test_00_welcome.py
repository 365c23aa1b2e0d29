import numpy
import torch

from book import page, words


def test_landing_page_quotes_the_versions_the_build_ran_with(values):
    assert values["torch_version"] == torch.__version__
    assert values["numpy_version"] == numpy.__version__


def test_landing_page_shows_the_torch_version_and_credits_the_guide(book):
    shown = words(page("00-welcome"))
    assert f"PyTorch {torch.__version__}" in shown
    assert "Houjun Liu" in shown
