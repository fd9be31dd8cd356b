"""Staff dashboard views. Every view is wrapped in ``access.staff_view``."""
