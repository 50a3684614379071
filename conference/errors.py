class DomainError(Exception):
    """A request the rules refuse: `message` is shown to the user, beside `field` when named."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
