"""The book's own tooling, kept to one module.

- A Sphinx extension (listed in _config.yml): live code served from the site itself, no CDN.
- `python booktools.py notebooks`: writes the Colab/Binder notebook next to each chapter.
- `python booktools.py live`: serves the built book with a private local Jupyter kernel for live code.
"""

# --- Colab and Binder notebooks -------------------------------------------------------------------

# --- Live code (Sphinx extension) -----------------------------------------------------------------

# --- Local live-code server -----------------------------------------------------------------------
