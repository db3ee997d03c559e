"""Numba kernels: pure functions over contiguous float64 arrays and ints (see DESIGN.md)."""
