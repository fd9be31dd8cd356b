"""The LINE platform simulator shipped with anpi.

It plays the other side of the wire: the Messaging API endpoints anpi calls, the signed
webhooks LINE sends, fault injection, an inspection API for tests and a phone-like web
chat. It imports nothing from the rest of anpi (no Django), so it can run on its own:
``python -m anpi.linesim`` or ``anpi sim``.

Entry points: :func:`anpi.linesim.server.create_app`, :func:`anpi.linesim.server.run`,
:class:`anpi.linesim.testing.SimulatorThread` and :class:`anpi.linesim.config.SimConfig`.
"""

from anpi.linesim.config import SimConfig

__all__ = ["SimConfig"]
