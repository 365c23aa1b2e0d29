"""Free to reuse: the citation file is valid and points at the book's repository; the contributors' guide names
only commands that exist.

The Citation File Format's schema (tests/fixtures/citation-file-format-1.2.0.schema.json) is the format's own, as
cffconvert 2.0.0 ships it (CC BY 4.0, citation-file-format.github.io); cffconvert itself pins a jsonschema too old
to sit beside Jupyter.
"""

import copy
import json
import re

import jsonschema
import pytest
import yaml

from book import CONFIG, ROOT
from booktools.make_book import make

SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "citation-file-format-1.2.0.schema.json").read_text())
CITATION = yaml.safe_load((ROOT / "CITATION.cff").read_text())


def validate(citation):
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(citation)


def test_the_citation_file_is_valid_and_names_the_books_repository_and_licences():
    validate(CITATION)
    assert CITATION["repository-code"] == CONFIG["repository"]["url"]  # a fork changes both (CONTRIBUTING.md)
    assert CITATION["license"] == ["MIT", "CC-BY-4.0"]
    licence = (ROOT / "LICENSE").read_text()
    assert "MIT License" in licence and "CC BY 4.0" in licence and "Houjun Liu" in licence


@pytest.mark.parametrize(
    "mistake",
    [
        lambda citation: citation.update(license="MIT License"),  # not an SPDX identifier
        lambda citation: citation.pop("authors"),
        lambda citation: citation.update({"repository-code": "github.com/no-scheme"}),
    ],
    ids=["licence", "authors", "url"],
)
def test_the_schema_catches_a_broken_citation(mistake):
    broken = copy.deepcopy(CITATION)
    mistake(broken)
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_the_contributors_guide_names_only_make_targets_that_exist():
    # In the text (`make lock`) and at the start of a line of a shell block.
    targets = set(re.findall(r"(?:^|`)make ([\w.-]+)", (ROOT / "CONTRIBUTING.md").read_text(), re.MULTILINE))
    assert {"lock", "test", "lint", "notebooks"} <= targets
    for target in sorted(targets):
        assert make("--dry-run", target).returncode == 0, target
