-- backlog_daily's days are UTC days whatever the session's TimeZone: they
-- were a series of timestamps stepped a day at a time in the session's
-- zone, which after a change of the clocks at local midnight (Santiago,
-- Cairo, Beirut) ran at 01:00 and left today out. They are now the first
-- day plus whole numbers of days.

-- +goose Up
CREATE OR REPLACE VIEW backlog_daily AS
SELECT d.source,
       d.day,
       h.status,
       c.channel,
       count(*) AS conversations
FROM (
    SELECT f.source, (f.first_day + g.n)::date AS day
    FROM (SELECT source, (min(valid_from) AT TIME ZONE 'UTC')::date AS first_day FROM conversation_history GROUP BY source) f
    CROSS JOIN LATERAL generate_series(0, (now() AT TIME ZONE 'UTC')::date - f.first_day) AS g(n)
) d
JOIN conversation_history h ON h.source = d.source
    AND h.valid_from < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
    AND (h.valid_to IS NULL OR h.valid_to >= ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
GROUP BY d.source, d.day, h.status, c.channel;

COMMENT ON VIEW backlog_daily IS
    'Live conversations in each status at the end of each UTC day (the version in effect at the day''s last '
    'instant: a change at exactly midnight counts for the next day), per source and channel, from the first '
    'day the source''s history covers to today. A conversation counts from its first version: its creation '
    'where the vendor records changes from it (DevRev), else its first observation. Statuses with no '
    'conversation that day have no row.';

-- +goose Down
CREATE OR REPLACE VIEW backlog_daily AS
SELECT d.source,
       d.day,
       h.status,
       c.channel,
       count(*) AS conversations
FROM (
    SELECT f.source, g.day::date AS day
    FROM (SELECT source, min(valid_from) AS first_at FROM conversation_history GROUP BY source) f
    CROSS JOIN LATERAL generate_series((f.first_at AT TIME ZONE 'UTC')::date,
                                       (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS g(day)
) d
JOIN conversation_history h ON h.source = d.source
    AND h.valid_from < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
    AND (h.valid_to IS NULL OR h.valid_to >= ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
JOIN conversations c ON c.source = h.source AND c.id = h.conversation_id AND c.deleted_at IS NULL
GROUP BY d.source, d.day, h.status, c.channel;
