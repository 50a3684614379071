"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import asyncio
import email
import threading
from email import policy

from aiosmtpd.controller import Controller


class Inbox:
    """The aiosmtpd handler: stores each message; can be told to refuse some."""

    def __init__(self):
        self.messages = []
        self.condition = threading.Condition()
        # recipient address → SMTP reply given instead of accepting, e.g. "550 5.1.1 No such user"
        self.refuse = {}
        # How many messages, from the first on, get a temporary refusal after their DATA.
        self.defer_first = 0
        self.deferred = 0
        # Seconds each message takes to accept, as a slow relay would.
        self.delay = 0.0
        # The client end (address, port) of each SMTP connection that sent a message's data.
        self.peers = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.condition:
            self.peers.add(session.peer)
        if self.deferred < self.defer_first:
            self.deferred += 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.condition:
            self.messages.append(message)
            self.condition.notify_all()
        return "250 Message accepted"

    def wait_for(self, count, timeout=15):
        """Wait until at least `count` messages have arrived; return them all."""
        with self.condition:
            self.condition.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            if len(self.messages) < count:
                raise AssertionError(f"expected {count} messages, {len(self.messages)} arrived")
            return list(self.messages)

    def to(self, address):
        return [m for m in self.messages if address.lower() in m["To"].lower()]


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
