"""anpi: LINE-based watch-over and safety checks."""
