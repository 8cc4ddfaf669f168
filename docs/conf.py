"""Sphinx configuration of the django-nexus-commerce documentation.

autodoc renders the hook specifications and the settings defaults from the code, so Django is
set up first, with ``docs/django_settings.py``: it needs only the package and the ``[docs]``
extra, which is all that Read the Docs installs (``.readthedocs.yaml``).
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT / "src"), str(DOCS), str(DOCS / "_ext")]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_settings")
os.environ.setdefault("NEXUS_DISABLE_PLUGIN_AUTOLOAD", "1")

import django  # noqa: E402

django.setup()

project = "django-nexus-commerce"
author = "django-nexus-commerce developers"
copyright = "django-nexus-commerce developers"
try:
    release = distribution_version("django-nexus-commerce")
except PackageNotFoundError:  # building from a checkout that is not installed
    release = "unreleased"
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "celery.contrib.sphinx",
    "nexus_reference",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "snippets/README.md"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

html_theme = "furo"
html_title = "django-nexus-commerce"
html_static_path = ["_static"]
