-- The limiter wake-up trigger on UPDATE joined the old and new transition tables to insert a wake
-- row only for jobs that *became* ready (were not available, or were gated). Since V4_2 that join is
-- planned at every run (EXECUTE): about 0.7 ms per statement that ungates jobs, measured with
-- auto_explain on a batch of a dozen order-key hand-overs (0.06-0.12 ms without the join), paid by
-- every completion batch of ordered, limited jobs (the WhatsApp send path).
--
-- The update trigger now runs the insert trigger's function: a wake row for every limiter with a
-- ready job among the statement's new rows. A statement that leaves an already ready job ready (an
-- admin update, a release signal on a waiting head) then also writes one, which only makes the next
-- claim look at the limiter once more; a missing wake row, never a spare one, would hold jobs back.
DROP TRIGGER courier_job_limit_update ON courier_job;
DROP FUNCTION courier_job_limit_update();
CREATE TRIGGER courier_job_limit_update AFTER UPDATE ON courier_job
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_limit_insert();
