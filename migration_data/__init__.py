"""The regional template for exchanging non-personal migration data (Regulation (EC) 862/2007), as code.

Definitions (:mod:`template`, :mod:`codelists`), submissions and their life (:mod:`submission`), readers
(:mod:`readers`), validation (:mod:`validation`, :mod:`cross_checks`), regional aggregation
(:mod:`aggregate`), disclosure control (:mod:`disclosure`) and exchange as SDMX-CSV 2.0 (:mod:`sdmx_csv`).
Aggregates only: nothing here holds or accepts personal data (:mod:`personal_data`).
"""
