-- Village pages show no cell of fewer than 5 persons, and no cell that subtraction would reveal.
-- util.gabung_sel_kecil takes one desa's breakdown (categories in display order, with their counts of persons)
-- and returns what may be published:
--   * a category of fewer than 5 is merged into 'Lainnya' (as is a category already called 'lainnya', in any
--     case, and one without a name);
--   * when the merged cells add up to 1-4, the smallest category of 5 or more joins them too, so 'Lainnya'
--     reaches 5 (one such category is always enough);
--   * when everything together is fewer than 5, nothing is returned.
-- The published cells therefore add up to the true total (or there are none): no remainder is left for a
-- reader to compute, and two breakdowns of the same persons (by gender, by type) cannot be subtracted from
-- each other to isolate a small cell. urutan numbers the published rows only (1, 2, ... in the order given,
-- 'Lainnya' last): a gap would tell which category was merged away. Counts are counts (never NULL); a
-- category with none is not a category.
create or replace function util.gabung_sel_kecil(kategori text[], jumlah bigint[])
returns table (kategori text, jumlah bigint, urutan int)
language sql immutable parallel safe
as $$
    with sel as (
        select k, j, u::int as u
        from unnest(kategori, jumlah) with ordinality as s (k, j, u)
        where j > 0
    ),

    kecil as (
        select coalesce(sum(j) filter (where j < 5 or k is null or lower(k) = 'lainnya'), 0) as n
        from sel
    ),

    ikut as (
        select sel.u
        from sel
        cross join kecil
        where kecil.n between 1 and 4 and sel.j >= 5 and sel.k is not null and lower(sel.k) <> 'lainnya'
        order by sel.j, sel.u
        limit 1
    ),

    label as (
        select
            sel.j,
            sel.u,
            coalesce(sel.j < 5 or sel.k is null or lower(sel.k) = 'lainnya' or sel.u in (select ikut.u from ikut),
                     false) as digabung,
            sel.k
        from sel
    ),

    terbit as (
        select
            digabung,
            case when digabung then 'Lainnya' else k end as k,
            sum(j)::bigint as j,
            min(u) as u
        from label
        group by digabung, case when digabung then 'Lainnya' else k end
        having sum(j) >= 5
    )

    select k, j, row_number() over (order by digabung, u)::int
    from terbit
$$;
