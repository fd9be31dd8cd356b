-- anpi's PostgreSQL role and database. Run as the postgres superuser with three
-- psql variables (docs/production.md, "Database"):
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -v user=anpi -v db=anpi \
--        -v password="$DB_PASSWORD" < deploy/postgres.sql
-- The role owns its database (and so may create tables in its public schema on
-- PostgreSQL 15+); it needs no other privilege.
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user" ENCODING 'UTF8' TEMPLATE template0;
