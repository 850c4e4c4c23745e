"""Reference data: countries, cadres, the safeguards list editions and workforce facts."""
