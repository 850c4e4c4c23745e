"""What each indicator measures, in words, and the row of Table 1 of the WHO guidance on bilateral
agreements on health worker migration and mobility (2024, "Monitoring and evaluation") it serves.
One place, so the API, the spreadsheets and the dashboard say the same thing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    """An indicator's id, name, definition, Table 1 row and unit."""

    id: str
    name: str
    definition: str
    who_table1: str
    unit: str


WORKERS_BY_ROUTE = Definition(
    "workers_by_route",
    "Health workers moved per route",
    "Workers of placements booked in the period (net of cancelled workers), per origin, "
    "destination, cadre and modality; 'g2g' counts those whose legal basis names a "
    "government-to-government agreement.",
    "Health system strengthening: number of health workers leaving origin country through "
    "different migration/mobility routes",
    "workers",
)
WORKERS_BY_AGREEMENT = Definition(
    "workers_by_agreement",
    "Health workers recruited under each agreement",
    "Workers of placements booked in the period (net of cancelled workers) whose benefit "
    "counts under the agreement (its id), per agreement; 'none' for placements without one.",
    "Health worker welfare: number of health workers recruited under a specific agreement",
    "workers",
)
CONTRACT_BEFORE_DEPARTURE = Definition(
    "contract_before_departure",
    "Signed their employment contract before departure",
    "Workers who departed in the period and whose placement had recorded as many signed "
    "contracts in or before the month they departed, as a number and as a share of the "
    "workers who departed, per route.",
    "Orderly mobility: number and proportion of health workers recruited through a bilateral "
    "agreement who signed their employment contract before departure",
    "workers and share (0-1)",
)
RETURNED = Definition(
    "returned",
    "Returned to their origin country",
    "Workers recorded as returned by the end of the period as a share of those who started "
    "work abroad; and the mean months abroad of those returned (months from the placement's "
    "start month to the month of return, inclusive), per route.",
    "Orderly mobility: proportion of health workers, recruited through a bilateral agreement, "
    "who have returned to their origin country (and the average period of employment "
    "overseas named in the health system component)",
    "share (0-1) and months",
)
INVESTMENT = Definition(
    "investment",
    "Investment in the origin's health system",
    "Benefit promised by placements booked in the period (workers net of cancellations x "
    "benefit per worker), benefit delivered (payments recorded up to the end of the period) "
    "and delivered as a share of promised, per origin and per agreement. Remittances never "
    "count.",
    "Health system strengthening: investment in source country health system (technical or "
    "financial support provided by the destination country)",
    "US dollars and share (0-1)",
)
RELOCATED_SHARE_OF_STOCK = Definition(
    "relocated_share_of_stock",
    "Relocated in the last 12 months, as a share of the stock",
    "Workers relocated abroad through the exchange (placements of modality relocation, net "
    "of cancelled workers) booked in the 12 months up to the end of the period, per origin and "
    "cadre, divided by the origin's declared stock of that cadre (null when unknown).",
    "Health system component: the rate of exit of health workers from the labour market, "
    "against the national density of relevant categories of health workers",
    "workers and share (0-1)",
)

ALL = (
    WORKERS_BY_ROUTE,
    WORKERS_BY_AGREEMENT,
    CONTRACT_BEFORE_DEPARTURE,
    RETURNED,
    INVESTMENT,
    RELOCATED_SHARE_OF_STOCK,
)
