"""The programme: knowledge areas (tracks), and later slots, rooms, sessions and speakers."""
