"""Spreadsheets: import deposits and withdrawals from CSV or XLSX (all rows or none), templates
to fill, and CSV/XLSX exports of proposals, flows and ledgers. Pure service functions.
"""
