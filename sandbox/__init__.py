"""Sandbox: controlled trials of strategic-technology products for Can Tho's SKHCN."""

__version__ = "0.1.0"
