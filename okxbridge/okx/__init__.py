"""The OKX v5 side: signing, HTTP, errors, limits. Knows nothing of FMZ."""
