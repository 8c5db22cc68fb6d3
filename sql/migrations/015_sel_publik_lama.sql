-- util.sel_publik (small cells as NULL) is called by nothing since the village views merge small cells instead
-- (util.gabung_sel_kecil, sql/functions/sel_publik.sql). A database made before the functions moved to
-- sql/functions still has it; a new one never does. Dropped here, unless a view made long ago still calls it.
do $$
begin
    drop function if exists util.sel_publik(bigint);
exception when dependent_objects_still_exist then
    raise notice 'util.sel_publik masih dipakai / is still in use: left in place';
end
$$;
