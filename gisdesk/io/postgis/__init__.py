"""PostGIS: a shared workspace on a PostgreSQL server (connections, publishing, editing).

The only gisdesk package that talks to PostgreSQL (through psycopg). Import the parts from
their modules: :mod:`.profiles` (connection profiles, keyring passwords, connecting),
:mod:`.publish` (publishing layers), :mod:`.tables` (the tables' layout, reading layers
back) and :mod:`.store` (the edit store with row versions, conflicts and a retry queue).
"""
