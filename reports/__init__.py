"""Annual transparency report, periodic disclosures and open-data exports. Reads only."""
