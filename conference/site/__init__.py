"""What every page shares: language choice, error pages, security headers."""
