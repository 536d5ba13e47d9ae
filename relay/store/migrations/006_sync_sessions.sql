-- Whether the mailbox's last failure was transient (throttling, 5xx, network, C4C unreachable). Transient failures back
-- off and never count toward suspension, while consecutive permanent failures of one class do; the class alone cannot
-- tell the two apart ('unknown' can be either), so the next failure needs to know which kind the count is of.
ALTER TABLE mailboxes ADD COLUMN failure_transient boolean NOT NULL DEFAULT false;
