"""Benchmarks (性能测试): district-scale store, ingest against fastexcel, pages, congress pack."""
