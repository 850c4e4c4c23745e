"""The web dashboard: static HTML, CSS and ES modules served at ``/dashboard`` (no build step,
no CDN: everything it needs is in ``static/``).
"""
