"""The web layer shared by every domain's controllers: routing defaults, dependencies, problem details.

With the controllers and the app factory, the only code that imports Litestar.
"""
