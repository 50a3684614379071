"""The attendee's privacy rights (access, withdrawal, deletion) and the retention purge."""
