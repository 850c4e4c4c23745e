"""One router per area of API.md; each route is a thin call of a service in exchange/."""
