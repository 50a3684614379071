"""The back office: events, programme, registrations, dashboard, check-in, badges."""
