"""`stackplan verify-charts`: the catalog checked against real charts rendered with the real helm."""
