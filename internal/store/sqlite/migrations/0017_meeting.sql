-- Video-call bookings' links (catalog.Meeting): 0 none (the office sends
-- it), 1 one fixed link, 2 a room per booking on the base URL.
ALTER TABLE resources ADD COLUMN meeting_kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE resources ADD COLUMN meeting_url TEXT NOT NULL DEFAULT '';
