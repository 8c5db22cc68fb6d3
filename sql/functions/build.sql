-- What a warehouse build needs (docs/design.md, "A build types one submission").

-- The submission a warehouse build is computing, set by warehouse.build with
-- `set local bansos360.submission_id = N`; NULL outside a build. The staging models read their staging table
-- through it, so a build types one submission's rows only, while a plain query of the view sees every row.
create or replace function util.submission_in_build() returns bigint
language sql stable parallel safe
as $$ select nullif(current_setting('bansos360.submission_id', true), '')::bigint $$;
