"""The HTTP and WebSocket routes, one module per resource; ``server.app`` includes them all.

To add a route, copy a neighbour: declare access with the dependencies in
``server.dependencies`` (``SessionAccess``, ``owned_session(...)``) and raise ``ApiError`` /
let ``AccessError`` propagate; the handlers in ``server.errors`` shape every refusal.
"""
