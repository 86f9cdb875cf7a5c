"""Evaluation: KPIs from telemetry, statistics with honest uncertainty, scoring, recommendation, reports."""
