"""The rules of the CRM. Routes stay thin: they parse input, call one service function
and serialise its result; services validate transitions, write the audit log and commit
(through services.unit_of_work)."""
