"""The baseline for bench/pages.py: a bare Flask app with one small HTML page.

Served by gunicorn with exactly the settings the marketplace gets, so the ratio
page-rps / hello-rps shows what the marketplace's own code costs per request.
"""
from flask import Flask

app = Flask(__name__)

PAGE = "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Xin chào</title></head><body><p>Xin chào!</p></body></html>"


@app.route("/")
def hello():
    return PAGE
