"""The reviewers' pages: ``/review`` (the draft-case queue) and ``/stats`` (charts and rates).

Plain HTML, CSS and JavaScript modules under ``static/``, served by the app itself (no
CDN, no build step); :func:`serve.ui.routes.mount` adds the pages and files to an app.
"""
