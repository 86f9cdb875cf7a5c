"""Demonstration data: three startups, three trials of real places in Can Tho, users of every role."""
