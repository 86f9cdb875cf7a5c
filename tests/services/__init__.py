"""Real services the tests run against, started and stopped by the test run itself."""
