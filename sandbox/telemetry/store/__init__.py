"""The time-series store: tables, partitions, exactly-once writes, and the queries that read them back."""
