-- The schema of the warehouse's own functions. The functions themselves live in sql/functions/, one file per
-- family of rules, applied by `init` whenever a file's content changes (bansos360.functions); migrations never
-- define a function.
create schema if not exists util;
