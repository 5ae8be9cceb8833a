"""Create the PostgreSQL database named by DATABASE_URL if it does not exist yet."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
maintenance = url._replace(path="/postgres").geturl()
with psycopg.connect(maintenance, autocommit=True) as connection:
    if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        print(f"Database {name} exists.")
    else:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"Database {name} created.")
