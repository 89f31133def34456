"""How much this node carries and whether it takes one more session.

Hangs off the session registry: the load meter samples the process's CPU and the speech
decoder's queue, admission turns that into "yes" or a 503 with a reason, and placement (across
nodes) reads every node's ``NodeLoad`` from the hub.
"""

from firstword.capacity.load import NodeLoad

__all__ = ["NodeLoad"]
