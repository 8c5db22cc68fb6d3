-- Which version of each family of functions (a file of sql/functions/) is in the database: a family whose
-- content changed is applied again, and the history models that use it are rebuilt (bansos360.functions).
create table warehouse.function_version (
    name text primary key,
    sha256 text not null,
    applied_at timestamptz not null default now()
);
