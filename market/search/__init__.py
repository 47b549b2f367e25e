"""Catalog search: one interface, two engines (Whoosh by default, PostgreSQL full-text).

Read in this order: backend.py (the interface the storefront uses), matching.py (the rules
both engines obey: words, typos, prefixes, "did you mean"), words.py (highlights),
documents.py (what is indexed of a product), sync.py (writes follow the database),
services.py and views.py (the storefront's side), verify.py (index against database);
then one engine: whoosh/ or postgres/ (each starts at its backend.py). engines.py builds
the configured engine and is imported only where the app is built.
"""
from flask import Blueprint

bp = Blueprint("search", __name__)
