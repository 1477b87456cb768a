"""What one run asks of Asterisk."""


class Request:
    """An AMI action with its headers, or a CLI command (sent as the Command
    action over AMI, or run by ``asterisk -rx``)."""

    def __init__(self, action, headers, command=None):
        self.action = action
        self.headers = headers
        self.command = command

    @classmethod
    def cli(cls, command):
        return cls("Command", [("Command", command)], command)
